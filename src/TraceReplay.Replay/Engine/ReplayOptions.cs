namespace TraceReplay.Replay.Engine;

/// <summary>Knobs of one replay. Defaults suit the kernel's merged text and trace.dat.</summary>
public sealed class ReplayOptions
{
    /// <summary>CPU count override (--cpus); null = from the trace (header or highest CPU seen).</summary>
    public int? Cpus { get; init; }

    /// <summary>Reorder window in ns; null = auto: 0 for inputs the kernel or trace-cmd already merged
    /// (tracefs "trace", trace.dat, trace-cmd report), 20 ms otherwise (trace_pipe captures, unknown text).</summary>
    public long? ReorderWindowNs { get; init; }

    /// <summary>At most this many events are held back for reordering; beyond it the oldest are released early.</summary>
    public int ReorderMaxEvents { get; init; } = 1 << 16;

    /// <summary>Rows a streamed table (contexts, work_items, lifetimes, lifetime_stages) holds before it is handed to
    /// <see cref="ReplayEngine.BatchFlush"/> (when set).</summary>
    public int BatchRows { get; init; } = 4096;

    /// <summary>True when the trace began at boot, so a free of a never-allocated pointer is a finding;
    /// null = auto (first timestamp below 10 s).</summary>
    public bool? StartsAtBoot { get; init; }

    /// <summary>Cgroup hierarchy ids (the cgroup_* root= value) known to carry the memory controller; empty = learn
    /// them from the trace (a css whose free work frees memcg structures).</summary>
    public IReadOnlyCollection<int> MemcgRoots { get; init; } = [];

    /// <summary>context_mismatches rows kept verbatim; every mismatch is still counted in the summary.</summary>
    public int MaxMismatchRows { get; init; } = 100_000;

    /// <summary>Freed pointers are remembered (to recognise a second free) until more than this many accumulate; then
    /// they are forgotten, so memory follows the live objects. Sweeps are counted in the summary (pointer_sweeps).</summary>
    public int MaxFreedPointers { get; init; } = 1 << 20;
}
