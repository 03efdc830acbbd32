using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Ftrace;

/// <summary>
/// Decodes the ftrace flags column ("d.s2.", "dNh2", "Db.1.", "1dNs2." without its CPU digits) per
/// shared/docs/kernel.md §4. Columns: irqs-off/BH, need-resched, hardirq/softirq/NMI, preempt depth, migrate-disable.
/// </summary>
public static class FtraceFlags
{
    /// <summary>True when every byte can appear in a flags column and the width is 4–8 (depth may print as 2 hex digits).</summary>
    public static bool IsFlagsToken(ReadOnlySpan<byte> token)
    {
        if (token.Length < 4 || token.Length > 8)
            return false;
        foreach (byte b in token)
            if (!IsFlagChar(b))
                return false;
        // column 1 is never a digit; an all-digit token is a timestamp or a number
        return !IsHexDigit(token[0]) || token[0] == 'b' || token[0] == 'd' || token[0] == 'D';
    }

    /// <summary>
    /// One of . d D b X N n p B L l h H s Z z and the hex digits 0-9 a-f: a bit per ASCII byte in two words (a lookup
    /// instead of a chain of compares; every changed flags column checks each of its bytes).
    /// </summary>
    static bool IsFlagChar(byte b) => b < 64 ? ((FlagCharsBelow64 >> b) & 1) != 0 : b < 128 && ((FlagCharsFrom64 >> (b - 64)) & 1) != 0;

    /// <summary>'.' and '0'-'9'.</summary>
    const ulong FlagCharsBelow64 = 0x03ff400000000000UL;
    /// <summary>B D H L N X Z, a-f, h l n p s z.</summary>
    const ulong FlagCharsFrom64 = 0x0409517e05005114UL;

    static bool IsHexDigit(byte b) => (uint)(b - '0') <= 9 || (uint)(b - 'a') <= 5;

    /// <summary>
    /// Decodes <paramref name="flags"/>. <paramref name="depthColumns"/> is how many characters the preempt depth
    /// takes (1 normally; more on ≤5.11 kernels that print depth with %x when it exceeds 15).
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> flags, bool hasMigrateColumn, out ContextBits context, out byte needResched,
        out sbyte preemptDepth, out sbyte migrateDisable)
    {
        context = ContextBits.Known;
        needResched = 0;
        preemptDepth = -1;
        migrateDisable = -1;
        if (flags.Length < 4)
        {
            context = ContextBits.None;
            return;
        }
        switch (flags[0])
        {
            case (byte)'d': context |= ContextBits.IrqsOff; break;
            case (byte)'D': context |= ContextBits.IrqsOff | ContextBits.BhOff; break;
            case (byte)'b': context |= ContextBits.BhOff; break;
            case (byte)'X': context |= ContextBits.IrqsNotSupported; break;
        }
        byte nr = flags[1];
        if (nr != '.')
            needResched = nr;
        switch (flags[2])
        {
            case (byte)'Z': context |= ContextBits.Nmi | ContextBits.HardIrq; break;
            case (byte)'z': context |= ContextBits.Nmi; break;
            case (byte)'H': context |= ContextBits.HardIrq | ContextBits.SoftIrq; break;
            case (byte)'h': context |= ContextBits.HardIrq; break;
            case (byte)'s': context |= ContextBits.SoftIrq; break;
        }
        // 4-column era: everything after column 3 is the depth (%x, may exceed one digit).
        // 5+-column era: column 4 depth, column 5 migrate-disable (6th, PREEMPT_RT lazy depth, is not decoded).
        int depthEnd = hasMigrateColumn ? 4 : flags.Length;
        preemptDepth = (sbyte)Math.Min(HexOrDot(flags[3..depthEnd]), 127);
        if (hasMigrateColumn && flags.Length >= 5)
            migrateDisable = (sbyte)HexOrDot(flags.Slice(4, 1));
    }

    static int HexOrDot(ReadOnlySpan<byte> s)
    {
        int v = 0;
        foreach (byte b in s)
        {
            if (b == '.') continue;
            int d = (uint)(b - '0') <= 9 ? b - '0' : (uint)(b - 'a') <= 5 ? b - 'a' + 10 : -1;
            if (d < 0) return 0;
            v = v * 16 + d;
        }
        return v;
    }
}
