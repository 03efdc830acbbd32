namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>
/// Recognises the first line of a lockdep-family report in a payload (lockdep.md §3.1, §4; syzkaller's oops headers):
/// the banner title ("WARNING: …", "[ INFO: … ]", "[ BUG: … ]"), the banner-less "BUG:"/"INFO:" relatives and the
/// "WARNING: … at kernel/locking/lockdep.c" splat of a DEBUG_LOCKS_WARN_ON. Cheap for the common line: one or two
/// byte compares before any phrase is looked at.
/// </summary>
public static class ReportStart
{
    /// <summary>Kind of report starting at <paramref name="payload"/>'s first byte, or null.</summary>
    public static LockdepKind? Detect(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 8) return null;
        byte b = payload[0];
        if (b != (byte)'W' && b != (byte)'B' && b != (byte)'I' && b != (byte)'[') return null;
        var s = payload;
        if (b == (byte)'[')
        {
            if (s[1] != (byte)' ') return null;
            s = s[2..];
        }
        if (s.StartsWith("WARNING: "u8)) return Warning(s["WARNING: "u8.Length..]);
        if (s.StartsWith("BUG: "u8)) return Bug(s["BUG: "u8.Length..]);
        if (s.StartsWith("INFO: "u8)) return Info(s["INFO: "u8.Length..]);
        return null;
    }

    /// <summary>
    /// Finds a report start glued after other text on the same line (interleaved printk output without a newline).
    /// Returns the offset of the marker, or -1. Only called for lines that do not start a report themselves.
    /// </summary>
    public static int FindGlued(ReadOnlySpan<byte> payload)
    {
        int best = -1;
        best = FirstGlued(payload, "WARNING: "u8, best);
        best = FirstGlued(payload, "BUG: "u8, best);
        best = FirstGlued(payload, "INFO: "u8, best);
        return best;
    }

    static int FirstGlued(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> marker, int best)
    {
        int from = 1;
        while (from < payload.Length)
        {
            int k = payload[from..].IndexOf(marker);
            if (k < 0) return best;
            int start = from + k;
            if (best >= 0 && start >= best) return best;
            if (start >= 2 && payload[start - 1] == (byte)' ' && payload[start - 2] == (byte)'[') start -= 2;
            if (start > 0 && Detect(payload[start..]) is not null) return start;
            from += k + 1;
        }
        return best;
    }

    static LockdepKind? Warning(ReadOnlySpan<byte> t)
    {
        var common = Common(t);
        if (common is not null) return common;
        // DEBUG_LOCKS_WARN_ON and friends: "WARNING: CPU: 1 PID: 2 at kernel/locking/lockdep.c:3676 lock_release+…"
        // (2.6/3.x: "WARNING: at kernel/lockdep.c:2789 …")
        if ((t.StartsWith("CPU: "u8) || t.StartsWith("at "u8) || t.StartsWith("CPU:"u8))
            && (t.IndexOf("kernel/locking/lockdep.c:"u8) >= 0 || t.IndexOf(" kernel/lockdep.c:"u8) >= 0))
            return LockdepKind.LockingBug;
        return null;
    }

    static LockdepKind? Bug(ReadOnlySpan<byte> t)
    {
        if (t.StartsWith("sleeping function called from invalid context"u8)) return LockdepKind.SleepingInAtomic;
        if (t.StartsWith("scheduling while atomic"u8)) return LockdepKind.SchedulingWhileAtomic;
        if (t.StartsWith("KASAN: "u8)) return LockdepKind.Kasan;
        if (t.StartsWith("workqueue leaked lock or atomic"u8)) return LockdepKind.WorkqueueLeakedLock;
        if (t.StartsWith("MAX_"u8) && t.IndexOf(" too low!"u8) > 0) return LockdepKind.LockdepLimit;
        // lockdep self-diagnostics without a banner (lockdep.md §4.13)
        if (t.StartsWith("looking up invalid subclass"u8) || (t.StartsWith("key "u8) && t.IndexOf(" has not been registered!"u8) > 0))
            return LockdepKind.LockingBug;
        return Common(t);
    }

    static LockdepKind? Info(ReadOnlySpan<byte> t)
    {
        if (t.StartsWith("trying to register non-static key"u8)) return LockdepKind.NonStaticKey;
        return Common(t);
    }

    /// <summary>Banner titles shared by the WARNING: era and the [ INFO: ] / [ BUG: ] era.</summary>
    static LockdepKind? Common(ReadOnlySpan<byte> t)
    {
        if (t.Length < 8) return null;
        switch (t[0])
        {
            case (byte)'p':
                if (t.StartsWith("possible circular locking dependency detected"u8)) return LockdepKind.CircularLocking;
                if (t.StartsWith("possible recursive locking detected"u8)) return LockdepKind.RecursiveLocking;
                if (t.StartsWith("possible irq lock inversion dependency detected"u8)) return LockdepKind.IrqLockInversion;
                break;
            case (byte)'i':
                if (t.StartsWith("inconsistent lock state"u8)) return LockdepKind.InconsistentLockState;
                break;
            case (byte)'s':
                if (t.StartsWith("suspicious RCU usage"u8)) return LockdepKind.SuspiciousRcuUsage;
                break;
            case (byte)'b':
                if (t.StartsWith("bad unlock balance detected!"u8)) return LockdepKind.BadUnlockBalance;
                if (t.StartsWith("bad contention detected!"u8)) return LockdepKind.BadContention;
                break;
            case (byte)'h':
                if (t.StartsWith("held lock freed!"u8)) return LockdepKind.HeldLockFreed;
                break;
            case (byte)'l':
                if (t.StartsWith("lock held when returning to user space"u8)) return LockdepKind.LockHeldReturningToUser;
                break;
            case (byte)'N':
                if (t.StartsWith("Nested lock was not taken"u8)) return LockdepKind.NestedLockNotTaken;
                break;
            case (byte)'I':
                if (t.StartsWith("Invalid wait context"u8)) return LockdepKind.InvalidWaitContext;
                break;
        }
        if (t.IndexOf("-safe -> "u8) > 0 && t.IndexOf("-unsafe lock order detected"u8) > 0) return LockdepKind.IrqSafeToUnsafe;
        if (t.IndexOf(" still has locks held!"u8) > 0 && t.IndexOf((byte)'/') > 0) return LockdepKind.StillHasLocksHeld;
        return null;
    }
}
