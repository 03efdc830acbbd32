namespace TraceReplay.Replay.Model;

/// <summary>
/// Context class of the code that emitted an event, in the terms of the unsafe-free rule table
/// (shared kernel notes §5): the innermost context on the CPU's stack, refined by irqs/BH/preempt state.
/// </summary>
public enum ExecContext : byte
{
    Unknown = 0,
    /// <summary>Process context, preemptible, IRQs and BH enabled ("P-sleep").</summary>
    Task = 1,
    /// <summary>Process context with preemption or IRQs disabled, not in_interrupt ("P-atomic").</summary>
    TaskAtomic = 2,
    /// <summary>Process context inside local_bh_disable ("BH-off"; in_interrupt() is true).</summary>
    TaskBhOff = 3,
    /// <summary>Serving a softirq.</summary>
    SoftIrq = 4,
    /// <summary>Running an RCU callback (softirq RCU vector, or rcuc/rcuo kthread with BH off).</summary>
    RcuCallback = 5,
    HardIrq = 6,
    Nmi = 7,
}

public static class ExecContextNames
{
    /// <summary>The names written in report columns (context, free_context, conflict_context).</summary>
    public static string Name(this ExecContext c) => c switch
    {
        ExecContext.Task => "task",
        ExecContext.TaskAtomic => "task-atomic",
        ExecContext.TaskBhOff => "task-bh-off",
        ExecContext.SoftIrq => "softirq",
        ExecContext.RcuCallback => "rcu-callback",
        ExecContext.HardIrq => "hardirq",
        ExecContext.Nmi => "nmi",
        _ => "unknown",
    };
}
