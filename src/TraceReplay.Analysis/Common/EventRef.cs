using TraceReplay.Core.Interning;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Common;

/// <summary>
/// A copied-out reference to one event (the chunk row itself is valid only during the call): when, where, who, in which
/// context and inside which traced function, RCU callback or work item. Name fields are NameTable ids (0 = none).
/// </summary>
public readonly record struct EventRef(
    long TsNs,
    int Cpu,
    int Pid,
    int Comm,
    long Line,
    ExecContext Context,
    bool ServingSoftirq,
    /// <summary>Innermost traced function of the task (graph/kprobe stack top, or the function tracer's last function).</summary>
    int Function,
    /// <summary>Its caller when known (stack frame below, or the function tracer's parent).</summary>
    int Caller,
    int RcuCallback,
    int WorkFunction)
{
    public bool IsSet => Line != 0 || TsNs != 0 || Cpu != 0 || Pid != 0;

    /// <summary>"ts 1234 ns cpu 0 mkdir/812 task, in alloc_css_id &lt;- mem_cgroup_create, line 57" — what a report's evidence says.</summary>
    public string Describe(NameTable names)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("ts ").Append(TsNs).Append(" ns cpu ").Append(Cpu).Append(' ')
          .Append(names[Comm]).Append('/').Append(Pid).Append(' ').Append(Context.Name());
        if (RcuCallback != 0)
            sb.Append(" (RCU callback ").Append(names[RcuCallback]).Append(')');
        if (WorkFunction != 0)
            sb.Append(" (work ").Append(names[WorkFunction]).Append(')');
        if (Function != 0)
        {
            sb.Append(", in ").Append(names[Function]);
            if (Caller != 0)
                sb.Append(" <- ").Append(names[Caller]);
        }
        if (Line > 0)
            sb.Append(", line ").Append(Line);
        return sb.ToString();
    }
}
