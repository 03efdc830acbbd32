namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>Kinds of lockdep-family console reports (lockdep.md §4) plus the related atomic-sleep and KASAN reports.</summary>
public enum LockdepKind
{
    CircularLocking,
    RecursiveLocking,
    InconsistentLockState,
    IrqLockInversion,
    IrqSafeToUnsafe,
    InvalidWaitContext,
    SuspiciousRcuUsage,
    BadUnlockBalance,
    BadContention,
    HeldLockFreed,
    StillHasLocksHeld,
    LockHeldReturningToUser,
    NestedLockNotTaken,
    NonStaticKey,
    LockdepLimit,
    LockingBug,
    WorkqueueLeakedLock,
    SleepingInAtomic,
    SchedulingWhileAtomic,
    Kasan,
}

public static class LockdepKinds
{
    /// <summary>The name written to the kind column (stable contract).</summary>
    public static string Name(LockdepKind kind) => kind switch
    {
        LockdepKind.CircularLocking => "circular_locking",
        LockdepKind.RecursiveLocking => "recursive_locking",
        LockdepKind.InconsistentLockState => "inconsistent_lock_state",
        LockdepKind.IrqLockInversion => "irq_lock_inversion",
        LockdepKind.IrqSafeToUnsafe => "irq_safe_to_unsafe",
        LockdepKind.InvalidWaitContext => "invalid_wait_context",
        LockdepKind.SuspiciousRcuUsage => "suspicious_rcu_usage",
        LockdepKind.BadUnlockBalance => "bad_unlock_balance",
        LockdepKind.BadContention => "bad_contention",
        LockdepKind.HeldLockFreed => "held_lock_freed",
        LockdepKind.StillHasLocksHeld => "still_has_locks_held",
        LockdepKind.LockHeldReturningToUser => "lock_held_returning_to_user",
        LockdepKind.NestedLockNotTaken => "nested_lock_not_taken",
        LockdepKind.NonStaticKey => "non_static_key",
        LockdepKind.LockdepLimit => "lockdep_limit",
        LockdepKind.LockingBug => "locking_bug",
        LockdepKind.WorkqueueLeakedLock => "workqueue_leaked_lock",
        LockdepKind.SleepingInAtomic => "sleeping_in_atomic",
        LockdepKind.SchedulingWhileAtomic => "scheduling_while_atomic",
        LockdepKind.Kasan => "kasan",
        _ => kind.ToString(),
    };

    /// <summary>Reports whose kernel print has no stack trace (syzkaller's noStackTrace formats).</summary>
    public static bool HasNoStackTrace(LockdepKind kind)
        => kind is LockdepKind.LockHeldReturningToUser or LockdepKind.WorkqueueLeakedLock;
}
