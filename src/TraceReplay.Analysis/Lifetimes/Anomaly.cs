namespace TraceReplay.Analysis.Lifetimes;

/// <summary>Kinds written in anomalies.kind.</summary>
public static class AnomalyKind
{
    public const string UseAfterFree = "use_after_free";
    public const string DoubleFree = "double_free";
    public const string Alias = "alias_of_dying_cache";
    public const string AliveAtEnd = "alive_at_end";
    public const string DyingAtEnd = "dying_at_end";
    public const string ObjectsAliveAtEnd = "objects_alive_at_end";
}

/// <summary>One lifetime anomaly; <see cref="FirstNs"/> is the earlier event it contradicts (the free, the destroy start, the creation).</summary>
public sealed record Anomaly(string Kind, string ObjectKind, string ObjectKey, long TsNs, int Cpu, string Detail, long FirstNs);
