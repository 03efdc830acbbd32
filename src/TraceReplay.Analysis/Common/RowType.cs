namespace TraceReplay.Analysis.Common;

/// <summary>What an event row means to the analyses; everything they do not use is <see cref="Other"/>.</summary>
public enum RowType : byte
{
    Other = 0,
    LockAcquire,
    LockRelease,
    /// <summary>A function was entered: function tracer line, function_graph entry, kprobe hit.</summary>
    CallEntry,
    /// <summary>A function_graph leaf "func();": entered and returned in one row.</summary>
    CallLeaf,
    /// <summary>A function returned: function_graph exit, kretprobe hit.</summary>
    CallExit,
    RcuBarrier,
    RcuInvokeCallback,
    WorkQueue,
    WorkStart,
    WorkEnd,
    Kmalloc,
    KmemCacheAlloc,
    Kfree,
    KmemCacheFree,
    CgroupMkdir,
    CgroupRmdir,
    CgroupRelease,
    Lost,
    /// <summary>softirq_entry/exit, irq_handler_entry/exit: the code running on the CPU changes.</summary>
    IrqBoundary,
    SchedSwitch,
}
