namespace TraceReplay.Replay.Engine;

/// <summary>Kinds of entries on a CPU's context stack, innermost last.</summary>
internal enum FrameKind : byte { Task, SoftIrq, HardIrq, Nmi }

/// <summary>One open context on a CPU. Inferred frames come from the flags column alone (no entry event seen).</summary>
internal struct Frame
{
    public bool Open;
    public bool Inferred;
    public bool Uncertain;
    public long StartNs;
    /// <summary>Softirq vector, or irq-name id for hardirq; -1 / 0 when unknown.</summary>
    public int Detail;
}

/// <summary>
/// The modeled state of one CPU. The stack has fixed slots in nesting order (task &lt; softirq &lt; hardirq &lt; NMI):
/// softirqs never nest, and an inferred frame can then never be pushed "above" a context it actually interrupted.
/// </summary>
internal sealed class CpuState
{
    public CpuState(int cpu) => Cpu = cpu;

    public readonly int Cpu;
    /// <summary>False until the first event on this CPU (and again after lost events).</summary>
    public bool Seen;
    /// <summary>State before the first sched_switch after the start or a loss is not fully observed.</summary>
    public bool Uncertain = true;
    /// <summary>This CPU has seen a softirq/irq boundary event since its start or last loss: from then on a flags/event
    /// disagreement is a mismatch rather than a context that began before the trace.</summary>
    public bool SoftirqEventsSeen, IrqEventsSeen;

    public Frame Task, Soft, Hard, Nmi;
    public int TaskPid = -1;
    public int TaskComm;
    /// <summary>Last line comm compared with TaskComm (saves re-comparing the same pair on every event).</summary>
    public int LineComm;

    public ulong RunningWork;
    public int RunningWorkFunction;
    public int RcuFunction;
    public bool InRcuBatch;
    public long LastNs;

    public bool AnyFrameUncertain => Task.Uncertain || (Soft.Open && Soft.Uncertain) || (Hard.Open && Hard.Uncertain) || (Nmi.Open && Nmi.Uncertain);
}
