using System.Text;

namespace TraceReplay.Synth.Model;

/// <summary>
/// The kernel log of the modeled boot: the lockdep "inconsistent lock state" report in the ≤4.11 grammar
/// (lockdep.md §3/§4.1: "[ INFO: … ]" banner, six-char usage, "[&lt;addr&gt;] sym+off/size" frames, 3.7 dump_stack).
/// Written from the model's state at the moment lockdep would fire.
/// </summary>
public sealed class Dmesg(Machine m, long bootNs)
{
    readonly StringBuilder _log = new();
    long _ts;

    public bool HasReport { get; private set; }

    void Line(string payload)
    {
        long us = (_ts + bootNs) / 1000;
        _log.Append('[').Append((us / 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(5))
            .Append('.').Append((us % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append("] ")
            .Append(payload).Append('\n');
    }

    static string Ip(Sym s, int off) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[<{s.Addr + (ulong)off:x16}>] {s.Name}+0x{off:x}/0x{s.Size:x}");

    /// <summary>A return-site offset inside s: fixed per (symbol, salt), always in [1, size).</summary>
    static int Off(Sym s, int salt) => 1 + (int)(((s.Addr >> 4) + (ulong)salt * 0x9e37UL) % (ulong)Math.Max(1, s.Size - 1));

    static string Usage(LockUsage u) => u switch
    {
        LockUsage.InHardirqW => "IN-HARDIRQ-W",
        LockUsage.HardirqOnW => "HARDIRQ-ON-W",
        LockUsage.InSoftirqW => "IN-SOFTIRQ-W",
        _ => "SOFTIRQ-ON-W",
    };

    public void InconsistentLockState(Cpu c, LockInstance l, LockUsage prevBit, LockUsage newBit, int stamp)
    {
        HasReport = true;
        m.Truth.LockdepSplat = true;
        m.Truth.LockdepSplatClass = l.Class.Name;
        _ts = c.Now;
        var task = c.Current;
        string comm = task.Comm;
        string release = m.Kernel.Release + "-synth";
        var here = Lockdep.StackOf(c);
        var site = here.Length > 0 ? here[0] : Syms.DoSoftirq;
        string cls = l.Class.Name;

        Line("");
        Line("=================================");
        Line("[ INFO: inconsistent lock state ]");
        Line($"{release} #1 Not tainted");
        Line("---------------------------------");
        Line($"inconsistent {{{Usage(prevBit)}}} -> {{{Usage(newBit)}}} usage.");
        int hc = c.HardIrq > 0 ? 1 : 0, sc = c.SoftIrqServing > 0 ? 1 : 0;
        int he = c.IrqsOff == 0 ? 1 : 0, se = c.SoftIrqServing == 0 && c.BhDisabled == 0 ? 1 : 0;
        Line($"{comm}/{task.Pid} [HC{hc}[{c.HardIrq}]:SC{sc}[{c.SoftIrqServing + 2 * c.BhDisabled}]:HE{he}:SE{se}] takes:");
        Line($" ({cls}){{{l.Class.UsageString()}}}, at: {Ip(site, Off(site, 3))}");
        Line($"{{{Usage(prevBit)}}} state was registered at:");
        var reg = l.Class.FirstUse.TryGetValue(prevBit, out var r) ? r : [];
        foreach (var f in LockdepPrefix()) Line("  " + Ip(f, Off(f, 11)));
        foreach (var f in reg) Line("  " + Ip(f, Off(f, 5)));
        Line($"irq event stamp: {stamp}");
        Line($"hardirqs last  enabled at ({stamp}): {Ip(Syms.DoSoftirq, 0xa9)}");
        Line($"hardirqs last disabled at ({stamp - 1}): {Ip(Syms.ApicTimerInterrupt, 0x6d)}");
        Line($"softirqs last  enabled at ({stamp - 6}): {Ip(Syms.LocalBhEnable, 0x2d)}");
        Line($"softirqs last disabled at ({stamp - 3}): {Ip(Syms.IrqExit, 0x56)}");
        Line("");
        Line("other info that might help us debug this:");
        Line(" Possible unsafe locking scenario:");
        Line("");
        Line("       CPU0");
        Line("       ----");
        Line($"  lock({cls});");
        Line("  <Interrupt>");
        Line($"    lock({cls});");
        Line("");
        Line(" *** DEADLOCK ***");
        Line("");
        Line($"no locks held by {comm}/{task.Pid}.");
        Line("");
        Line("stack backtrace:");
        Line($"Pid: {task.Pid}, comm: {comm} Not tainted {release} #1");
        Line("Call Trace:");
        bool first = true;
        foreach (var f in new[] { Syms.DumpStack, Syms.PrintUsageBug, Syms.MarkLockIrq, Syms.MarkLock, Syms.LockAcquireInner, Syms.LockAcquire, Syms.RawSpinLock })
        {
            Line((first ? " <IRQ>  " : " ") + Ip(f, Off(f, 9)));
            first = false;
        }
        // Frames up to __do_softirq ran on the irq stack; the rest belong to the interrupted task.
        int split = Array.IndexOf(here, Syms.DoSoftirq);
        int inner = split < 0 ? here.Length : split + 1;
        for (int i = 0; i < inner; i++) Line(" " + Ip(here[i], Off(here[i], 5)));
        foreach (var f in new[] { Syms.CallSoftirq, Syms.DoSoftirqFn, Syms.IrqExit, Syms.SmpApicTimerInterrupt, Syms.ApicTimerInterrupt })
            Line(" " + Ip(f, Off(f, 4)));
        var tail = inner < here.Length
            ? here[inner..]
            : c.Id == 0 ? new[] { Syms.DefaultIdle, Syms.CpuIdle, Syms.RestInit, Syms.StartKernel } : new[] { Syms.DefaultIdle, Syms.CpuIdle, Syms.StartSecondary };
        first = true;
        foreach (var f in tail)
        {
            Line((first ? " <EOI>  " : " ") + Ip(f, Off(f, 6)));
            first = false;
        }
    }

    static Sym[] LockdepPrefix() => [Syms.LockAcquireInner, Syms.LockAcquire, Syms.RawSpinLock];

    public void Write(string path) => File.WriteAllText(path, _log.ToString(), new UTF8Encoding(false));
}
