using TraceReplay.Analysis.Common;

namespace TraceReplay.Analysis.Barriers;

/// <summary>One destroy operation and the rcu_barrier calls made inside it by its task.</summary>
public sealed class DestroyOperation(string op, string key, EventRef start, int function, int stackDepth)
{
    public string Op { get; } = op;
    public string Key { get; set; } = key;
    public EventRef Start { get; } = start;
    /// <summary>Function id whose return ends the operation.</summary>
    public int Function { get; } = function;
    /// <summary>Index of the op's frame on the task's call stack; -1 when the trace has no return events (function tracer).</summary>
    public int StackDepth { get; } = stackDepth;
    public long EndNs { get; set; } = start.TsNs;
    public int CachesDestroyed { get; set; }
    /// <summary>kmem_cache_destroy calls inside the operation (root and clones).</summary>
    public int DestroyCalls { get; set; }
    /// <summary>__kmem_cache_shutdown calls inside the operation.</summary>
    public int Shutdowns { get; set; }
    public int RcuCaches { get; set; }
    public int BarrierCount { get; set; }
    public long BarrierNs { get; set; }
    /// <summary>kmem_cache_destroy frames that ran their own rcu_barrier (their cache is SLAB_DESTROY_BY_RCU).</summary>
    internal readonly HashSet<int> RcuCacheFrames = new();
    public string Verdict { get; set; } = "ok";
}
