using TraceReplay.Analysis.Common;

namespace TraceReplay.Analysis.Locks;

/// <summary>Kinds of lock findings, as written in lock_findings.kind.</summary>
public static class LockFindingKind
{
    public const string Inconsistent = "inconsistent_lock_state";
    public const string IrqInversion = "irq_lock_inversion";
    public const string SafeToUnsafe = "irq_safe_to_unsafe";
    public const string Circular = "circular_dependency";
    public const string Recursive = "recursive_locking";
}

/// <summary>
/// One lockdep-style report. <see cref="Event"/> is the acquisition (or state change) that made it;
/// <see cref="Other"/> the event that first set the conflicting usage or dependency.
/// </summary>
public sealed record LockFinding(
    string Kind,
    string LockClass,
    string UsageFrom,
    string UsageTo,
    EventRef Event,
    EventRef Other,
    string Evidence);
