using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Common;

/// <summary>
/// The state every analysis shares, kept by the first observer of <see cref="AnalysisSet"/>: what each row means
/// (<see cref="Row"/>), which traced function each task is in (function_graph and kprobe/kretprobe call stacks, the
/// function tracer's last function and parent) and the interned ids the analyses look for. It must see a row before
/// the analyses do; it writes no report.
/// </summary>
public sealed class TraceState : IReplayObserver
{
    readonly Dictionary<int, List<Frame>> _stacks = new();
    readonly Dictionary<long, (int Function, int Caller)> _lastFunction = new();
    RowType[] _rowTypeByEvent = [];
    sbyte[] _rcuKthreadByComm = [];
    List<Frame>? _pendingPop;
    int _pendingPopIndex;

    public TraceInfo Info { get; private set; } = new("", "");
    public NameTable Names { get; private set; } = new();
    public KernelVersion Kernel { get; private set; } = KernelVersion.Latest;
    public FieldKeys Keys { get; private set; } = null!;
    /// <summary>Interns row text (symbols, cache and lock names) for the analyses without hashing it every time.</summary>
    public NameCache NameCache => _nameCache ??= new NameCache(Names);
    NameCache? _nameCache;

    /// <summary>Meaning of the current row (valid during the current OnEvent round).</summary>
    public RowType Row { get; private set; }
    /// <summary>For call rows: the function entered/left (bare symbol id); otherwise 0.</summary>
    public int RowFunction { get; private set; }
    /// <summary>For function tracer rows: the parent; for graph/kprobe entries: the frame below; otherwise 0.</summary>
    public int RowCaller { get; private set; }
    /// <summary>For CallExit rows: ns spent in the function (graph duration or kretprobe - kprobe), -1 unknown.</summary>
    public long RowDurationNs { get; private set; }
    /// <summary>True while the current row is in a context that serves a softirq (lockdep's softirq_context).</summary>
    public bool RowServingSoftirq { get; private set; }
    /// <summary>Events of each RowType seen so far in this trace.</summary>
    public long[] RowCounts { get; } = new long[Enum.GetValues<RowType>().Length];

    public readonly record struct Frame(int Function, long EntryNs);

    public void Begin(TraceInfo info, NameTable names)
    {
        Info = info;
        Names = names;
        Kernel = KernelVersion.Parse(info.Kernel);
        Keys = new FieldKeys(names);
        _nameCache = new NameCache(names);
        _stacks.Clear();
        _lastFunction.Clear();
        _rowTypeByEvent = [];
        _rcuKthreadByComm = [];
        _pendingPop = null;
        Array.Clear(RowCounts);
    }

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        if (_pendingPop is not null)
        {
            if (_pendingPopIndex < _pendingPop.Count)
                _pendingPop.RemoveRange(_pendingPopIndex, _pendingPop.Count - _pendingPopIndex);
            _pendingPop = null;
        }
        _rowRefValid = false;
        RowFunction = 0;
        RowCaller = 0;
        RowDurationNs = -1;
        RowServingSoftirq = IsServingSoftirq(context);
        Row = Classify(chunk, row);
        RowCounts[(int)Row]++;
        switch (Row)
        {
            case RowType.CallEntry:
            case RowType.CallLeaf:
                OnCallEntry(chunk, row, context);
                break;
            case RowType.CallExit:
                OnCallExit(chunk, row, context);
                break;
            case RowType.Lost:
                // Lost events break every call stack: what returned meanwhile is unknown.
                _stacks.Clear();
                _lastFunction.Clear();
                break;
        }
    }

    public void End(List<ReportTable> reports) { }

    EventRef _rowRef;
    bool _rowRefValid;

    /// <summary>Copies out the current row as an <see cref="EventRef"/> with the task's innermost function (built once per row).</summary>
    public EventRef Ref(EventChunk chunk, int row, in CpuContextView context)
    {
        if (!_rowRefValid)
        {
            _rowRef = BuildRef(chunk, row, context);
            _rowRefValid = true;
        }
        return _rowRef;
    }

    EventRef BuildRef(EventChunk chunk, int row, in CpuContextView context)
    {
        int fn = 0, caller = 0;
        if (_stacks.TryGetValue(TaskKey(context), out var stack) && stack.Count > 0)
        {
            fn = stack[^1].Function;
            caller = stack.Count > 1 ? stack[^2].Function : 0;
        }
        else if (_lastFunction.TryGetValue(LevelKey(context), out var last))
            (fn, caller) = last;
        return new EventRef(chunk.TsNs[row], context.Cpu, context.Pid, context.Comm, chunk.Line[row], context.Context,
            RowServingSoftirq, fn, caller, context.RcuCallbackFunction, context.WorkFunction);
    }

    /// <summary>The task's traced call stack (outermost first); empty when the trace has no graph/kprobe frames.</summary>
    public IReadOnlyList<Frame> Stack(in CpuContextView context)
        => _stacks.TryGetValue(TaskKey(context), out var s) ? s : [];

    /// <summary>True when function <paramref name="function"/> is on the task's stack or is its function tracer parent.</summary>
    public bool IsInside(in CpuContextView context, int function)
    {
        if (function == 0) return false;
        if (_stacks.TryGetValue(TaskKey(context), out var s))
            for (int i = s.Count - 1; i >= 0; i--)
                if (s[i].Function == function) return true;
        return _lastFunction.TryGetValue(LevelKey(context), out var last) && (last.Function == function || last.Caller == function);
    }

    /// <summary>Idle (pid 0) runs on every CPU at once: key it per CPU.</summary>
    public static int TaskKey(in CpuContextView c) => c.Pid > 0 ? c.Pid : -(c.Cpu + 1);

    /// <summary>Task key plus irq level (task, softirq, hardirq, NMI): the function tracer's last function is kept per level.</summary>
    public static long LevelKey(in CpuContextView c)
    {
        int level = c.Context switch
        {
            ExecContext.HardIrq => 2,
            ExecContext.Nmi => 3,
            ExecContext.SoftIrq or ExecContext.RcuCallback => 1,
            _ => 0,
        };
        return ((long)TaskKey(c) << 2) | (long)level;
    }

    /// <summary>
    /// Serving a softirq, as lockdep's softirq_context counts it: a softirq, or an RCU callback run from the RCU softirq —
    /// not one run by an rcuo/rcuc kthread with BH disabled (lockdep.md §9.1).
    /// </summary>
    public bool IsServingSoftirq(in CpuContextView c)
    {
        if (c.Context == ExecContext.SoftIrq) return true;
        if (c.Context != ExecContext.RcuCallback) return false;
        return c.SoftirqVec >= 0 || !IsRcuKthread(c.Comm);
    }

    bool IsRcuKthread(int comm)
    {
        if (comm >= _rcuKthreadByComm.Length)
            Array.Resize(ref _rcuKthreadByComm, Math.Max(comm + 1, _rcuKthreadByComm.Length * 2));
        if (_rcuKthreadByComm[comm] == 0)
        {
            var name = Names.Utf8(comm);
            _rcuKthreadByComm[comm] = (sbyte)(name.StartsWith("rcuo"u8) || name.StartsWith("rcuc"u8) ? 1 : -1);
        }
        return _rcuKthreadByComm[comm] == 1;
    }

    RowType Classify(EventChunk chunk, int row)
    {
        switch (chunk.Kind[row])
        {
            case EventKind.Function:
            case EventKind.GraphEntry:
            case EventKind.Kprobe:
                return RowType.CallEntry;
            case EventKind.GraphLeaf:
                return RowType.CallLeaf;
            case EventKind.GraphExit:
            case EventKind.Kretprobe:
                return RowType.CallExit;
            case EventKind.Lost:
                return RowType.Lost;
            case EventKind.Tracepoint:
                break;
            default:
                return RowType.Other;
        }
        int ev = chunk.Event[row];
        if (ev >= _rowTypeByEvent.Length)
        {
            int old = _rowTypeByEvent.Length;
            Array.Resize(ref _rowTypeByEvent, Math.Max(ev + 1, old * 2));
            for (int i = old; i < _rowTypeByEvent.Length; i++) _rowTypeByEvent[i] = (RowType)255;
        }
        var t = _rowTypeByEvent[ev];
        if ((byte)t == 255)
            _rowTypeByEvent[ev] = t = TracepointType(Names[ev]);
        return t;
    }

    static RowType TracepointType(string name) => name switch
    {
        "lock_acquire" => RowType.LockAcquire,
        "lock_release" => RowType.LockRelease,
        "rcu_barrier" => RowType.RcuBarrier,
        "rcu_invoke_callback" => RowType.RcuInvokeCallback,
        "workqueue_queue_work" => RowType.WorkQueue,
        "workqueue_execute_start" => RowType.WorkStart,
        "workqueue_execute_end" => RowType.WorkEnd,
        "kmalloc" or "kmalloc_node" => RowType.Kmalloc,
        "kmem_cache_alloc" or "kmem_cache_alloc_node" => RowType.KmemCacheAlloc,
        "kfree" => RowType.Kfree,
        "kmem_cache_free" => RowType.KmemCacheFree,
        "cgroup_mkdir" => RowType.CgroupMkdir,
        "cgroup_rmdir" => RowType.CgroupRmdir,
        "cgroup_release" => RowType.CgroupRelease,
        "lost_events" => RowType.Lost,
        "softirq_entry" or "softirq_exit" or "irq_handler_entry" or "irq_handler_exit" => RowType.IrqBoundary,
        "sched_switch" => RowType.SchedSwitch,
        _ => RowType.Other,
    };

    void OnCallEntry(EventChunk chunk, int row, in CpuContextView context)
    {
        var kind = chunk.Kind[row];
        if (kind == EventKind.Function)
        {
            RowFunction = SymbolId(chunk, row, Keys.Ip);
            RowCaller = SymbolId(chunk, row, Keys.ParentIp);
            _lastFunction[LevelKey(context)] = (RowFunction, RowCaller);
            return;
        }
        RowFunction = SymbolId(chunk, row, kind == EventKind.Kprobe ? Keys.ProbeFunc : Keys.Func);
        if (RowFunction == 0)
            return;
        var stack = StackOf(context);
        RowCaller = stack.Count > 0 ? stack[^1].Function : 0;
        if (kind == EventKind.GraphLeaf)
        {
            // A leaf is on the stack only while the analyses look at its own row.
            stack.Add(new Frame(RowFunction, chunk.TsNs[row]));
            _pendingPop = stack;
            _pendingPopIndex = stack.Count - 1;
            if (chunk.TryGetValue(row, Keys.DurationNs, out long d)) RowDurationNs = d;
            return;
        }
        stack.Add(new Frame(RowFunction, chunk.TsNs[row]));
    }

    void OnCallExit(EventChunk chunk, int row, in CpuContextView context)
    {
        var kind = chunk.Kind[row];
        RowFunction = SymbolId(chunk, row, kind == EventKind.Kretprobe ? Keys.ProbeFunc : Keys.Func);
        if (!_stacks.TryGetValue(TaskKey(context), out var stack) || stack.Count == 0)
            return;
        int at = stack.Count - 1;
        if (RowFunction != 0)
            while (at >= 0 && stack[at].Function != RowFunction) at--;
        if (at < 0)
            return; // returned from a function entered before the trace started
        RowFunction = stack[at].Function;
        RowCaller = at > 0 ? stack[at - 1].Function : 0;
        RowDurationNs = chunk.TryGetValue(row, Keys.DurationNs, out long d) ? d : chunk.TsNs[row] - stack[at].EntryNs;
        // Pop after the analyses saw the row, so an exit row is still "inside" its function.
        _pendingPop = stack;
        _pendingPopIndex = at;
    }

    List<Frame> StackOf(in CpuContextView context)
    {
        int key = TaskKey(context);
        if (!_stacks.TryGetValue(key, out var stack))
            _stacks[key] = stack = new List<Frame>(16);
        return stack;
    }

    /// <summary>Id of a symbol field with any "+0xoff/0xsize" and ".isra.0"-style suffix removed; 0 when absent.</summary>
    public int SymbolId(EventChunk chunk, int row, int key)
    {
        int f = chunk.FindField(row, key);
        return f < 0 ? 0 : SymbolId(chunk.FieldText(f));
    }

    public int SymbolId(ReadOnlySpan<byte> text)
    {
        int cut = text.IndexOfAny("+. ("u8);
        if (cut >= 0) text = text[..cut];
        return text.IsEmpty ? 0 : NameCache.Id(text);
    }

    /// <summary>A pointer-like field as ulong (Hex/Int value, or text "0x…"/"ffff…"); false when absent or not a number.</summary>
    public static bool TryGetAddress(EventChunk chunk, int row, int key, out ulong value)
    {
        value = 0;
        int f = chunk.FindField(row, key);
        if (f < 0) return false;
        if (chunk.FieldTypes[f] != FieldType.Text) { value = (ulong)chunk.FieldValue[f]; return true; }
        var t = chunk.FieldText(f);
        if (t.StartsWith("0x"u8)) t = t[2..];
        if (t.IsEmpty || t.Length > 16) return false;
        foreach (byte b in t)
        {
            int d = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : b is >= (byte)'a' and <= (byte)'f' ? b - 'a' + 10
                  : b is >= (byte)'A' and <= (byte)'F' ? b - 'A' + 10 : -1;
            if (d < 0) return false;
            value = (value << 4) | (uint)d;
        }
        return true;
    }
}
