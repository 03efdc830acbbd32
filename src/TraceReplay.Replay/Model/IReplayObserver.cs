using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;

namespace TraceReplay.Replay.Model;

/// <summary>
/// The replayed state of one CPU at the moment of an event (after the event's own entry/exit effect is applied
/// for entry events, before it for exit events — i.e. the context the event's code ran in).
/// Name fields are ids in the trace's NameTable (0 = none).
/// </summary>
public readonly record struct CpuContextView(
    int Cpu,
    ExecContext Context,
    bool IrqsOff,
    bool BhOff,
    int PreemptDepth,
    /// <summary>Softirq vector being served, -1 if none.</summary>
    int SoftirqVec,
    /// <summary>Name id of the irq handler being run (irq_handler_entry name=), 0 if none.</summary>
    int HardIrqName,
    int Pid,
    int Comm,
    /// <summary>Function name id of the running work item (workqueue_execute_start), 0 if none.</summary>
    int WorkFunction,
    /// <summary>Work struct pointer of the running work item, 0 if none.</summary>
    ulong WorkStruct,
    /// <summary>Function name id of the running RCU callback (rcu_invoke_callback func=), 0 if none or unknown.</summary>
    int RcuCallbackFunction,
    /// <summary>True when the state may be wrong: trace started mid-context, after lost events, or sources disagreed.</summary>
    bool Uncertain);

/// <summary>
/// An analysis fed by the replay. Events arrive in global time order; the chunk row is valid only during the call.
/// </summary>
public interface IReplayObserver
{
    void Begin(TraceInfo info, NameTable names);
    void OnEvent(EventChunk chunk, int row, in CpuContextView context);
    /// <summary>Adds the observer's report tables (each with a leading trace column) to the list.</summary>
    void End(List<ReportTable> reports);
}
