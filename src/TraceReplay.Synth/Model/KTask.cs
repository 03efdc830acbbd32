using System.Text;

namespace TraceReplay.Synth.Model;

/// <summary>What a task coroutine yields to the machine: keep running, sleep, or block until woken.</summary>
public sealed class Wait
{
    public enum WaitKind : byte { None, Busy, Sleep, Block }

    Wait(WaitKind kind, long ns, string state) { Kind = kind; Ns = ns; State = state; }

    public WaitKind Kind { get; }
    public long Ns { get; }
    /// <summary>prev_state printed when the task is switched out for this wait.</summary>
    public string State { get; }

    /// <summary>Continue at once (e.g. an uncontended mutex).</summary>
    public static readonly Wait None = new(WaitKind.None, 0, "");
    /// <summary>Blocked in TASK_UNINTERRUPTIBLE until a waker resumes the task.</summary>
    public static readonly Wait BlockD = new(WaitKind.Block, 0, "D");
    /// <summary>Blocked in TASK_INTERRUPTIBLE (idle kworker) until woken.</summary>
    public static readonly Wait BlockS = new(WaitKind.Block, 0, "S");

    /// <summary>Stay on the CPU for ns (other work may interrupt or preempt).</summary>
    public static Wait Busy(long ns) => new(WaitKind.Busy, ns, "R+");
    /// <summary>Sleep ns in TASK_INTERRUPTIBLE.</summary>
    public static Wait Sleep(long ns) => new(WaitKind.Sleep, ns, "S");
}

/// <summary>One call frame: traced frames produce function/graph/kprobe events, the others only serve as parents.</summary>
public struct Frame
{
    public Sym Func;
    public long EnterTs;
    public ulong Arg;
    public int GraphDepth;
}

/// <summary>A modeled task (user task, kworker or per-CPU idle). Pinned to one CPU: the model never migrates.</summary>
public sealed class KTask
{
    public KTask(string comm, int pid, int cpu, int prio = 120, Sym? baseFrame = null)
    {
        if (baseFrame != null) Frames.Add(new Frame { Func = baseFrame });
        Comm = comm;
        Pid = pid;
        Cpu = cpu;
        Prio = prio;
        string shown = pid == 0 ? "<idle>" : comm;
        CommUtf8 = Encoding.ASCII.GetBytes(shown);
        GraphCommUtf8 = Encoding.ASCII.GetBytes(shown.Length > 7 ? shown[..7] : shown);
        SchedCommUtf8 = Encoding.ASCII.GetBytes(comm);
    }

    public string Comm { get; }
    public int Pid { get; }
    public int Cpu { get; }
    public int Prio { get; }
    /// <summary>Comm as the trace prefix shows it ("&lt;idle&gt;" for pid 0).</summary>
    public byte[] CommUtf8 { get; }
    /// <summary>Comm cut to 7 chars (function_graph's print_graph_proc).</summary>
    public byte[] GraphCommUtf8 { get; }
    /// <summary>Comm as sched_switch prints it ("swapper/1" for idle).</summary>
    public byte[] SchedCommUtf8 { get; }
    public bool IsIdle => Pid == 0;

    public IEnumerator<Wait>? Body;
    /// <summary>The formatted "comm-pid [cpu] " part of this task's trace lines (tasks are pinned).</summary>
    public byte[]? PrefixCache;
    public bool Blocked;
    public bool Done;
    /// <summary>prev_state when the body ends ("x" for an exiting task, "S" for a parked kthread).</summary>
    public string ExitState = "x";
    public readonly List<Frame> Frames = new();
    public int TracedDepth;
    /// <summary>The destroy operation this task is inside (ground truth attribution of rcu_barrier calls).</summary>
    public Truth.DestroyOpRecord? CurrentOp;
}
