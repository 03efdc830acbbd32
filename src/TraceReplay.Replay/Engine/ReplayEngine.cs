using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;
using TraceReplay.Replay.Tracking;

namespace TraceReplay.Replay.Engine;

/// <summary>
/// Replays one trace on a modeled machine: restores global time order, keeps per-CPU context stacks from both the
/// flags column and entry/exit events (cross-checked; disagreements are reported), tracks work items and lifetimes,
/// and feeds every event with its <see cref="CpuContextView"/> to the registered observers.
/// Usage: <c>engine.Add(observer)</c>, then Begin / Consume… / End (or <see cref="Run"/>), then <see cref="Reports"/>.
/// </summary>
public sealed class ReplayEngine : IEventSink
{
    readonly ReplayOptions _options;
    readonly List<IReplayObserver> _observers = new();
    IReplayObserver[] _observerArray = [];
    ReplayShared? _shared;
    EventIds _ids = null!;
    ContextTables _contexts = null!;
    WorkItemTracker _work = null!;
    CgroupTracker _cgroups = null!;
    TaskTracker _tasks = null!;
    ObjectTracker _objects = null!;
    LifetimeTable _lifetimes = null!;
    ReorderBuffer? _reorder;
    CpuState[] _cpus = [];
    readonly Dictionary<int, (ulong Work, int Function)> _workByPid = new();
    bool _oldSoftirqMeaning;
    bool _reorderDecided;
    bool _traceHasSoftirqEvents;
    long _events, _lostMarkers, _lostEvents, _outOfOrder, _uncertainEvents, _implicitSwitches, _unbalancedExits;
    long _lastProcessedNs = long.MinValue;

    public ReplayEngine(ReplayOptions? options = null) => _options = options ?? new ReplayOptions();

    /// <summary>Receives streamed tables (contexts, work_items, lifetimes, lifetime_stages) a batch at a time; the
    /// table is cleared after the call. When null every row is kept until <see cref="Reports"/>.</summary>
    public Action<ReportTable>? BatchFlush { get; set; }

    /// <summary>The reader's error log, for the summary's parse_errors (set before End).</summary>
    public IngestErrorLog? IngestErrors { get; set; }

    /// <summary>All report tables after End: observers' first, then contexts, context_mismatches, work_items,
    /// lifetimes, lifetime_stages, cache_stats, summary.</summary>
    public List<ReportTable> Reports { get; } = new();

    public long Events => _events;

    public void Add(IReplayObserver observer) => _observers.Add(observer);

    /// <summary>Reads a whole trace through the engine and returns its reports.</summary>
    public static List<ReportTable> Run(IEventReader reader, ReplayOptions? options = null, params IReplayObserver[] observers)
    {
        var engine = new ReplayEngine(options) { IngestErrors = reader.Errors };
        foreach (var o in observers) engine.Add(o);
        var chunk = new EventChunk();
        engine.Begin(reader.Info, reader.Names);
        while (reader.Read(chunk))
            engine.Consume(chunk);
        engine.End();
        return engine.Reports;
    }

    public void Begin(TraceInfo info, NameTable names)
    {
        _shared = new ReplayShared(info, names, _options, BatchFlush);
        _ids = _shared.Ids;
        _contexts = new ContextTables(_shared);
        _lifetimes = new LifetimeTable(_shared);
        _work = new WorkItemTracker(_shared);
        _cgroups = new CgroupTracker(_shared, _lifetimes);
        _tasks = new TaskTracker(_shared, _lifetimes);
        _objects = new ObjectTracker(_shared, _lifetimes);
        _observerArray = _observers.ToArray();
        foreach (var o in _observerArray) o.Begin(info, names);
        foreach (var o in _observerArray)
            if (o is IUsesLiveObjects user) user.UseLiveObjects(_objects);
        int cpus = _options.Cpus ?? info.Cpus;
        _cpus = new CpuState[Math.Max(cpus, 1)];
        for (int i = 0; i < _cpus.Length; i++) _cpus[i] = new CpuState(i);
        _oldSoftirqMeaning = KernelEra.SoftirqFlagIncludesBhDisabled(info);
        _reorder = null;
        _reorderDecided = false;
        Reports.Clear();
    }

    public void Consume(EventChunk chunk)
    {
        if (_shared == null) throw new InvalidOperationException("Begin was not called");
        if (!_reorderDecided)
        {
            // Decided at the first chunk: readers learn the variant (trace_pipe or merged) from the first lines.
            _reorderDecided = true;
            _oldSoftirqMeaning = KernelEra.SoftirqFlagIncludesBhDisabled(_shared.Info);
            long window = _options.ReorderWindowNs ?? (KernelEra.IsMerged(_shared.Info) ? 0 : 20_000_000);
            if (window > 0) _reorder = new ReorderBuffer(window, _options.ReorderMaxEvents, ProcessRow);
        }
        if (_reorder != null)
        {
            _reorder.Add(chunk);
            return;
        }
        int n = chunk.Count;
        for (int r = 0; r < n; r++)
            ProcessRow(chunk, r);
    }

    public void End()
    {
        var shared = _shared ?? throw new InvalidOperationException("Begin was not called");
        _reorder?.Flush();
        long endNs = shared.LastNs == long.MinValue ? 0 : shared.LastNs;
        foreach (var cpu in _cpus)
            if (cpu.Seen)
                CloseAll(cpu, endNs, uncertain: true);

        var own = new List<ReportTable>();
        foreach (var o in _observerArray) o.End(Reports);
        own.Add(_contexts.Contexts);
        own.Add(_contexts.Mismatches);
        _work.End(own);
        _cgroups.End();
        _tasks.End();
        _objects.End(own);
        own.Insert(3, _lifetimes.Lifetimes);
        own.Insert(4, _lifetimes.Stages);
        own.Add(BuildSummary(shared));
        Reports.AddRange(own);
    }

    void ProcessRow(EventChunk chunk, int r)
    {
        var shared = _shared!;
        long ts = chunk.TsNs[r];
        _events++;
        if (ts < shared.FirstNs) shared.FirstNs = ts;
        if (ts > shared.LastNs) shared.LastNs = ts;
        if (ts < _lastProcessedNs) _outOfOrder++;
        else _lastProcessedNs = ts;

        if (chunk.Kind[r] == EventKind.Lost)
        {
            HandleLost(chunk, r, ts);
            Notify(chunk, r, EventRole.None, new CpuContextView(chunk.Cpu[r], ExecContext.Unknown, false, false, -1, -1, 0, -1, 0, 0, 0, 0, true));
            return;
        }
        int cpuNo = chunk.Cpu[r];
        if (cpuNo < 0)
        {
            Notify(chunk, r, RoleOf(chunk, r), new CpuContextView(-1, ExecContext.Unknown, false, false, -1, -1, 0, chunk.Pid[r], chunk.Comm[r], 0, 0, 0, true));
            return;
        }
        var cpu = Cpu(cpuNo);
        bool first = !cpu.Seen;
        if (first) StartCpu(cpu, chunk, r, ts);
        cpu.LastNs = ts;
        if (!first) SyncTask(cpu, chunk, r, ts);

        EventRole role = RoleOf(chunk, r);
        bool mismatch = false;
        switch (role)
        {
            case EventRole.SoftirqEntry: mismatch |= EnterSoftirq(cpu, chunk, r, ts); break;
            case EventRole.IrqEntry: mismatch |= EnterHardirq(cpu, chunk, r, ts); break;
            case EventRole.WorkStart:
                cpu.RunningWork = chunk.TryGetValue(r, _ids.Work, out long w) ? (ulong)w : 0;
                cpu.RunningWorkFunction = InternText(chunk, r, _ids.Function);
                _workByPid[cpu.TaskPid] = (cpu.RunningWork, cpu.RunningWorkFunction);
                break;
            case EventRole.RcuInvoke: cpu.RcuFunction = InternText(chunk, r, _ids.Func); break;
            case EventRole.RcuBatchStart: cpu.InRcuBatch = true; break;
        }

        ContextBits bits = chunk.Context[r];
        bool oldBhOff = false;
        if ((bits & ContextBits.Known) != 0)
            mismatch |= Reconcile(cpu, chunk, r, bits, ts, first, ref oldBhOff);

        var view = BuildView(cpu, chunk, r, bits, oldBhOff, mismatch);
        if (view.Uncertain) _uncertainEvents++;
        Notify(chunk, r, role, view);

        switch (role)
        {
            case EventRole.SoftirqExit: ExitSoftirq(cpu, chunk, r, ts); break;
            case EventRole.IrqExit: ExitHardirq(cpu, chunk, r, ts); break;
            case EventRole.WorkEnd:
                cpu.RunningWork = 0;
                cpu.RunningWorkFunction = 0;
                _workByPid.Remove(cpu.TaskPid);
                break;
            case EventRole.RcuBatchEnd: cpu.InRcuBatch = false; cpu.RcuFunction = 0; break;
            case EventRole.SchedSwitch: Switch(cpu, chunk, r, ts); break;
        }
    }

    EventRole RoleOf(EventChunk chunk, int r)
    {
        var kind = chunk.Kind[r];
        if (kind == EventKind.Kprobe || kind == EventKind.Kretprobe) return EventRole.Kprobe;
        return _ids.Role(chunk.Event[r]);
    }

    void Notify(EventChunk chunk, int r, EventRole role, in CpuContextView view)
    {
        switch (role)
        {
            case EventRole.None: break;
            case EventRole.WorkQueue or EventRole.WorkActivate or EventRole.WorkStart or EventRole.WorkEnd:
                _work.OnEvent(chunk, r, role, view);
                _cgroups.OnEvent(chunk, r, role, view);
                break;
            case EventRole.CgroupMkdir or EventRole.CgroupRmdir or EventRole.CgroupRelease or EventRole.Function
                or EventRole.GraphEntry or EventRole.Kprobe or EventRole.Stack:
                _cgroups.OnEvent(chunk, r, role, view);
                _objects.OnEvent(chunk, r, role, view);
                break;
            case EventRole.ProcessFork or EventRole.ProcessExit or EventRole.ProcessFree:
                _tasks.OnEvent(chunk, r, role, view);
                break;
        }
        var observers = _observerArray;
        for (int i = 0; i < observers.Length; i++)
            observers[i].OnEvent(chunk, r, view);
        if (role is EventRole.KmemCacheAlloc or EventRole.KmemCacheFree or EventRole.Kmalloc or EventRole.Kfree)
        {
            // After the observers: while they look at a free, the object table still holds the object it frees.
            var fields = KmemFields.Of(chunk, r, _ids);
            _objects.OnKmem(chunk, r, role, fields, view);
            _cgroups.OnKmem(chunk, r, role, fields, view);
        }
    }

    CpuState Cpu(int cpuNo)
    {
        if (cpuNo >= _cpus.Length)
        {
            int old = _cpus.Length;
            Array.Resize(ref _cpus, cpuNo + 1);
            for (int i = old; i < _cpus.Length; i++) _cpus[i] = new CpuState(i);
        }
        return _cpus[cpuNo];
    }

    int InternText(EventChunk chunk, int r, int key)
    {
        int f = chunk.FindField(r, key);
        return f < 0 ? 0 : _shared!.NameCache.Id(chunk.FieldText(f));
    }

    // ---- task ---------------------------------------------------------------------------------------------------

    void StartCpu(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        cpu.Seen = true;
        cpu.Uncertain = true;
        cpu.SoftirqEventsSeen = cpu.IrqEventsSeen = false;
        cpu.TaskPid = chunk.Pid[r];
        cpu.TaskComm = UsableComm(chunk.Comm[r]);
        cpu.Task = new Frame { Open = true, StartNs = ts, Uncertain = true };
        LoadWork(cpu);
    }

    int UsableComm(int comm) => comm == _ids.Unknown ? 0 : comm;

    void SyncTask(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        int pid = chunk.Pid[r];
        if (pid < 0) return;
        if (pid != cpu.TaskPid)
        {
            // The running task changed without a sched_switch we saw (not traced, or lost).
            _implicitSwitches++;
            // Interrupt frames cannot outlive the task they interrupted: end them with it.
            CloseFrame(cpu, ref cpu.Nmi, FrameKind.Nmi, ts, true);
            CloseFrame(cpu, ref cpu.Hard, FrameKind.HardIrq, ts, cpu.Hard.Uncertain || !cpu.Hard.Inferred);
            CloseFrame(cpu, ref cpu.Soft, FrameKind.SoftIrq, ts, cpu.Soft.Uncertain || !cpu.Soft.Inferred);
            EndTask(cpu, ts, true);
            cpu.TaskPid = pid;
            cpu.TaskComm = UsableComm(chunk.Comm[r]);
            cpu.Task = new Frame { Open = true, StartNs = ts, Uncertain = true };
            LoadWork(cpu);
        }
        else
        {
            int comm = chunk.Comm[r];
            if (comm != cpu.TaskComm && comm != cpu.LineComm)
            {
                // The line's comm wins (exec renames without a sched_switch) unless it is unknown or just the
                // truncated form of the name we have (latency format prints 8 characters).
                cpu.LineComm = comm;
                var names = _shared!.Names;
                if (UsableComm(comm) != 0 && (cpu.TaskComm == 0 || !names.Utf8(cpu.TaskComm).StartsWith(names.Utf8(comm))))
                    cpu.TaskComm = comm;
            }
        }
    }

    void Switch(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        if (!chunk.TryGetValue(r, _ids.NextPid, out long next)) return;
        EndTask(cpu, ts, cpu.Task.Uncertain);
        cpu.TaskPid = (int)next;
        cpu.TaskComm = InternText(chunk, r, _ids.NextComm);
        cpu.LineComm = 0;
        cpu.Task = new Frame { Open = true, StartNs = ts };
        cpu.Uncertain = false;
        cpu.InRcuBatch = false;
        cpu.RcuFunction = 0;
        LoadWork(cpu);
    }

    void LoadWork(CpuState cpu)
    {
        if (_workByPid.TryGetValue(cpu.TaskPid, out var w))
        {
            cpu.RunningWork = w.Work;
            cpu.RunningWorkFunction = w.Function;
        }
        else
        {
            cpu.RunningWork = 0;
            cpu.RunningWorkFunction = 0;
        }
    }

    void EndTask(CpuState cpu, long ts, bool uncertain)
    {
        if (!cpu.Task.Open) return;
        _contexts.AddContext(cpu.Cpu, cpu.Task.StartNs, ts, "task", null, cpu.TaskPid, cpu.TaskComm, uncertain);
        cpu.Task.Open = false;
    }

    // ---- interrupts ---------------------------------------------------------------------------------------------

    bool EnterSoftirq(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        bool mismatch = false;
        if (cpu.Soft.Open)
        {
            // Softirqs do not nest: an open event frame means its exit was not seen.
            if (!cpu.Soft.Inferred && cpu.SoftirqEventsSeen)
            {
                mismatch = true;
                _unbalancedExits++;
                _contexts.AddMismatch(ts, cpu.Cpu, chunk.Line[r], FlagsText(chunk, r), StackText(cpu), "softirq_entry while a softirq_entry is open (exit missing)");
            }
            CloseFrame(cpu, ref cpu.Soft, FrameKind.SoftIrq, ts, cpu.Soft.Uncertain || !cpu.Soft.Inferred);
        }
        cpu.SoftirqEventsSeen = true;
        _traceHasSoftirqEvents = true;
        int vec = chunk.TryGetValue(r, _ids.Vec, out long v) ? (int)v : -1;
        cpu.Soft = new Frame { Open = true, StartNs = ts, Detail = vec };
        return mismatch;
    }

    void ExitSoftirq(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        if (cpu.Soft.Open)
        {
            int vec = chunk.TryGetValue(r, _ids.Vec, out long v) ? (int)v : -1;
            bool uncertain = cpu.Soft.Uncertain;
            if (cpu.Soft.Inferred && cpu.Soft.Detail < 0) cpu.Soft.Detail = vec;
            CloseFrame(cpu, ref cpu.Soft, FrameKind.SoftIrq, ts, uncertain);
        }
        else if (cpu.SoftirqEventsSeen)
            _unbalancedExits++;
        cpu.SoftirqEventsSeen = true;
        _traceHasSoftirqEvents = true;
        cpu.RcuFunction = 0;
    }

    bool EnterHardirq(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        bool mismatch = false;
        if (cpu.Hard.Open)
        {
            if (!cpu.Hard.Inferred && cpu.IrqEventsSeen)
            {
                mismatch = true;
                _unbalancedExits++;
                _contexts.AddMismatch(ts, cpu.Cpu, chunk.Line[r], FlagsText(chunk, r), StackText(cpu), "irq_handler_entry while an irq_handler_entry is open (exit missing)");
                CloseFrame(cpu, ref cpu.Hard, FrameKind.HardIrq, ts, true);
            }
            else
            {
                // An inferred hardirq frame is this very interrupt, seen before its handler ran: adopt it.
                cpu.IrqEventsSeen = true;
                cpu.Hard.Inferred = false;
                cpu.Hard.Detail = InternText(chunk, r, _ids.Name);
                return false;
            }
        }
        cpu.IrqEventsSeen = true;
        cpu.Hard = new Frame { Open = true, StartNs = ts, Detail = InternText(chunk, r, _ids.Name) };
        return mismatch;
    }

    void ExitHardirq(CpuState cpu, EventChunk chunk, int r, long ts)
    {
        cpu.IrqEventsSeen = true;
        if (cpu.Hard.Open)
        {
            // The handler returned; the irq itself may go on (flags keep saying 'h'), which then reopens an inferred frame.
            CloseFrame(cpu, ref cpu.Hard, FrameKind.HardIrq, ts, cpu.Hard.Uncertain);
        }
    }

    /// <summary>Cross-checks the flags column against the event-built stack. Flags-only contexts (hardirqs without
    /// handler events, NMIs, softirqs before the first softirq event) open inferred frames; a context the events
    /// opened but the flags deny is a mismatch: counted, reported, and the frame closed as uncertain.</summary>
    bool Reconcile(CpuState cpu, EventChunk chunk, int r, ContextBits bits, long ts, bool first, ref bool oldBhOff)
    {
        bool mismatch = false;
        bool fN = (bits & ContextBits.Nmi) != 0;
        bool fH = (bits & ContextBits.HardIrq) != 0;
        bool fS = (bits & ContextBits.SoftIrq) != 0;

        if (fN && !cpu.Nmi.Open)
            cpu.Nmi = new Frame { Open = true, Inferred = true, StartNs = ts, Uncertain = first };
        else if (!fN && cpu.Nmi.Open)
            CloseFrame(cpu, ref cpu.Nmi, FrameKind.Nmi, ts, cpu.Nmi.Uncertain);

        if (fH && !cpu.Hard.Open)
            cpu.Hard = new Frame { Open = true, Inferred = true, StartNs = ts, Uncertain = first };
        else if (!fH && cpu.Hard.Open)
        {
            if (!cpu.Hard.Inferred)
            {
                mismatch = true;
                _contexts.AddMismatch(ts, cpu.Cpu, chunk.Line[r], FlagsText(chunk, r), StackText(cpu), "irq_handler_entry open but flags say not in hardirq");
            }
            CloseFrame(cpu, ref cpu.Hard, FrameKind.HardIrq, ts, mismatch || cpu.Hard.Uncertain);
        }

        if (_oldSoftirqMeaning)
        {
            // <4.10: 's' is softirq_count() != 0 — serving a softirq or inside local_bh_disable (kernel.md §4).
            if (fS && !cpu.Soft.Open)
                oldBhOff = true;
            else if (!fS && cpu.Soft.Open)
            {
                mismatch = true;
                _contexts.AddMismatch(ts, cpu.Cpu, chunk.Line[r], FlagsText(chunk, r), StackText(cpu), "softirq_entry open but flags show no softirq count");
                CloseFrame(cpu, ref cpu.Soft, FrameKind.SoftIrq, ts, true);
            }
            return mismatch;
        }

        if (fS && !cpu.Soft.Open)
        {
            // Not a disagreement: softirq_entry/exit bracket each vector's handler only, and __do_softirq runs between
            // them (and wakes ksoftirqd after them) while still serving — the same as 'h' outside irq_handler_entry/exit.
            cpu.Soft = new Frame { Open = true, Inferred = true, StartNs = ts, Detail = -1, Uncertain = first };
        }
        else if (!fS && cpu.Soft.Open)
        {
            bool flagged = !cpu.Soft.Inferred;
            if (flagged)
            {
                mismatch = true;
                _contexts.AddMismatch(ts, cpu.Cpu, chunk.Line[r], FlagsText(chunk, r), StackText(cpu), "softirq_entry open but flags say not serving softirq");
            }
            CloseFrame(cpu, ref cpu.Soft, FrameKind.SoftIrq, ts, flagged || cpu.Soft.Uncertain);
        }
        return mismatch;
    }

    CpuContextView BuildView(CpuState cpu, EventChunk chunk, int r, ContextBits bits, bool oldBhOff, bool mismatch)
    {
        bool irqsOff = (bits & ContextBits.IrqsOff) != 0;
        bool bhOff = (bits & ContextBits.BhOff) != 0 || oldBhOff;
        int depth = chunk.PreemptDepth[r];
        ExecContext ctx;
        if (cpu.Nmi.Open) ctx = ExecContext.Nmi;
        else if (cpu.Hard.Open) ctx = ExecContext.HardIrq;
        else if (cpu.Soft.Open) ctx = cpu.Soft.Detail == SoftirqNames.Rcu || cpu.RcuFunction != 0 ? ExecContext.RcuCallback : ExecContext.SoftIrq;
        else if (cpu.InRcuBatch || cpu.RcuFunction != 0) ctx = ExecContext.RcuCallback;
        else if (bhOff) ctx = ExecContext.TaskBhOff;
        else if (irqsOff || depth > 0) ctx = ExecContext.TaskAtomic;
        else ctx = ExecContext.Task;

        bool inTask = ctx is ExecContext.Task or ExecContext.TaskAtomic or ExecContext.TaskBhOff;
        bool uncertain = mismatch || cpu.Uncertain || cpu.AnyFrameUncertain
            || (oldBhOff && !_traceHasSoftirqEvents);
        return new CpuContextView(
            cpu.Cpu, ctx, irqsOff, bhOff, depth,
            cpu.Soft.Open ? cpu.Soft.Detail : -1,
            cpu.Hard.Open ? cpu.Hard.Detail : 0,
            cpu.TaskPid, cpu.TaskComm,
            inTask ? cpu.RunningWorkFunction : 0,
            inTask ? cpu.RunningWork : 0,
            ctx == ExecContext.RcuCallback ? cpu.RcuFunction : 0,
            uncertain);
    }

    void CloseFrame(CpuState cpu, ref Frame frame, FrameKind kind, long ts, bool uncertain)
    {
        if (!frame.Open) return;
        string kindName;
        string? detail;
        switch (kind)
        {
            case FrameKind.SoftIrq: kindName = "softirq"; detail = frame.Detail < 0 ? null : SoftirqNames.Name(frame.Detail); break;
            case FrameKind.HardIrq: kindName = "hardirq"; detail = _shared!.Name(frame.Detail); break;
            default: kindName = "nmi"; detail = null; break;
        }
        _contexts.AddContext(cpu.Cpu, frame.StartNs, ts, kindName, detail, cpu.TaskPid, cpu.TaskComm, uncertain || frame.Inferred);
        frame.Open = false;
        if (kind == FrameKind.SoftIrq) cpu.RcuFunction = 0;
    }

    void CloseAll(CpuState cpu, long ts, bool uncertain)
    {
        CloseFrame(cpu, ref cpu.Nmi, FrameKind.Nmi, ts, uncertain);
        CloseFrame(cpu, ref cpu.Hard, FrameKind.HardIrq, ts, uncertain);
        CloseFrame(cpu, ref cpu.Soft, FrameKind.SoftIrq, ts, uncertain);
        EndTask(cpu, ts, uncertain);
    }

    void HandleLost(EventChunk chunk, int r, long ts)
    {
        _lostMarkers++;
        if (chunk.TryGetValue(r, _ids.Count, out long n) && n > 0) _lostEvents += n;
        int cpuNo = chunk.Cpu[r];
        if (cpuNo >= 0) ResetAfterLoss(Cpu(cpuNo), ts);
        else
            foreach (var cpu in _cpus) ResetAfterLoss(cpu, ts);
    }

    void ResetAfterLoss(CpuState cpu, long ts)
    {
        if (!cpu.Seen) return;
        // Everything open may have ended inside the gap: close it as uncertain and start over on the next event.
        CloseAll(cpu, Math.Max(ts, cpu.LastNs), true);
        _workByPid.Remove(cpu.TaskPid);
        cpu.Seen = false;
        cpu.Uncertain = true;
        cpu.InRcuBatch = false;
        cpu.RcuFunction = 0;
        cpu.RunningWork = 0;
        cpu.RunningWorkFunction = 0;
    }

    string FlagsText(EventChunk chunk, int r) => _shared!.Names[chunk.Flags[r]];

    static string StackText(CpuState cpu)
    {
        var parts = new List<string>(4) { "task" };
        if (cpu.Soft.Open) parts.Add(cpu.Soft.Inferred ? "softirq(flags)" : "softirq(" + SoftirqNames.Name(cpu.Soft.Detail) + ")");
        if (cpu.Hard.Open) parts.Add(cpu.Hard.Inferred ? "hardirq(flags)" : "hardirq");
        if (cpu.Nmi.Open) parts.Add("nmi");
        return string.Join('>', parts);
    }

    ReportTable BuildSummary(ReplayShared shared)
    {
        var counts = shared.Summary;
        counts.Set("context_mismatches", _contexts.MismatchCount);
        counts.Set("out_of_order_events", _outOfOrder);
        counts.Set("reorder_forced_releases", _reorder?.Forced ?? 0);
        counts.Set("uncertain_events", _uncertainEvents);
        counts.Set("implicit_task_switches", _implicitSwitches);
        counts.Set("unbalanced_irq_events", _unbalancedExits);
        counts.Set("lost_markers", Math.Max(_lostMarkers, shared.Info.LostMarkers));
        _work.AddCounts(counts);
        _cgroups.AddCounts(counts);
        _tasks.AddCounts(counts);
        _objects.AddCounts(counts);
        foreach (var o in _observerArray)
            if (o is IReplaySummaryContributor c) c.AddSummaryCounts(counts);

        var t = new ReportTable("summary");
        t.String("trace").Append(shared.Trace);
        t.String("format").Append(FormatName(shared.Info));
        t.Int64("events").Append(_events);
        t.Int32("cpus").Append(Math.Max(_cpus.Length, shared.Info.Cpus));
        var first = t.Int64("first_ns");
        var last = t.Int64("last_ns");
        if (_events == 0) { first.AppendNull(); last.AppendNull(); }
        else { first.Append(shared.FirstNs); last.Append(shared.LastNs); }
        t.Int64("lost_events").Append(Math.Max(_lostEvents, shared.Info.LostEvents));
        t.Int64("parse_errors").Append(IngestErrors?.Total ?? 0);
        foreach (var name in counts.Names)
            t.Int64(name).Append(counts[name]);
        t.EndRow();
        return t;
    }

    static string FormatName(TraceInfo info)
    {
        string f = info.Format switch
        {
            TraceFormat.FtraceText => "ftrace-text",
            TraceFormat.TraceDat => "trace-dat",
            TraceFormat.ConsoleLog => "console",
            _ => "unknown",
        };
        return info.Variant.Length == 0 ? f : f + "/" + info.Variant;
    }
}
