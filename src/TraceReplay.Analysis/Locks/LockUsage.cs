namespace TraceReplay.Analysis.Locks;

/// <summary>
/// Lockdep usage bits in the modern enum order (lockdep.md §8.2): per state (HARDIRQ, SOFTIRQ) USED_IN write/read,
/// ENABLED write/read; then USED ("INITIAL USE") and USED_READ.
/// </summary>
public static class LockUsage
{
    public const int InHardirq = 0, InHardirqRead = 1, EnabledHardirq = 2, EnabledHardirqRead = 3;
    public const int InSoftirq = 4, InSoftirqRead = 5, EnabledSoftirq = 6, EnabledSoftirqRead = 7;
    public const int Used = 8, UsedRead = 9;
    public const int BitCount = 10;

    static readonly string[] s_names =
    [
        "IN-HARDIRQ-W", "IN-HARDIRQ-R", "HARDIRQ-ON-W", "HARDIRQ-ON-R",
        "IN-SOFTIRQ-W", "IN-SOFTIRQ-R", "SOFTIRQ-ON-W", "SOFTIRQ-ON-R",
        "INITIAL USE", "INITIAL READ USE",
    ];

    /// <summary>The name lockdep prints for a bit, e.g. "SOFTIRQ-ON-W".</summary>
    public static string Name(int bit) => s_names[bit];

    public static bool IsRead(int bit) => (bit & 1) != 0;
    public static bool IsEnabled(int bit) => bit < Used && (bit & 2) != 0;
    public static bool IsIrqBit(int bit) => bit < Used;

    /// <summary>Same state, opposite direction, write (lockdep's exclusive_bit).</summary>
    public static int Exclusive(int bit) => (bit & ~3) | ((bit & 2) ^ 2);

    /// <summary>"HARDIRQ" or "SOFTIRQ".</summary>
    public static string StateName(int bit) => bit < 4 ? "HARDIRQ" : "SOFTIRQ";

    /// <summary>
    /// The usage string as lockdep prints it (§8.3): per state write then read char, '.' never, '-' used in the irq,
    /// '+' irq enabled, '?' both. Six characters (trailing RECLAIM_FS "..") for kernels 2.6.30–4.13, else four.
    /// </summary>
    public static string Format(int usage, bool sixChars)
    {
        Span<char> s = stackalloc char[8];
        int n = 0;
        s[n++] = '{';
        for (int state = 0; state < 2; state++)
            for (int read = 0; read < 2; read++)
            {
                bool inIrq = (usage & (1 << (state * 4 + read))) != 0;
                bool enabled = (usage & (1 << (state * 4 + 2 + read))) != 0;
                s[n++] = inIrq && enabled ? '?' : inIrq ? '-' : enabled ? '+' : '.';
            }
        if (sixChars) { s[n++] = '.'; s[n++] = '.'; }
        s[n++] = '}';
        return new string(s[..n]);
    }
}
