using TraceReplay.Analysis.Common;
using TraceReplay.Analysis.Rules;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Locks;

/// <summary>
/// Lockdep over the replay: lock_acquire/lock_release events (lockdep_addr, flags 1 try 2 read, name) in the replayed
/// context feed a <see cref="LockValidator"/>. In parallel, acquisitions are inferred from known lock-taking functions
/// (rule table) seen as function/graph/kprobe rows; at the end the inferred results are used only when the trace had
/// no lock events. Writes lock_usage (one row per class and usage bit, with the event that first set it) and
/// lock_findings.
/// </summary>
public sealed class LockUsageAnalysis(TraceState state, RuleTable rules) : IReplayObserver, IReplaySummaryContributor
{
    readonly TraceState _state = state;
    readonly RuleTable _rules = rules;
    LockValidator _traced = null!;
    LockValidator _inferred = null!;
    /// <summary>Function name id → lock class name ids it takes (in force for this trace's kernel).</summary>
    readonly Dictionary<int, int[]> _lockFunctions = new();
    NameTable _names = null!;
    TraceInfo _info = null!;
    /// <summary>Class name ids taken at least once by an event without a flags column: their -ON- usage is assumed.</summary>
    readonly HashSet<int> _classesWithAssumedIrqState = new();

    /// <summary>The validator whose results stand: traced lock events when the trace has any so far, else inferred.</summary>
    public LockValidator Current => _state.RowCounts[(int)RowType.LockAcquire] > 0 ? _traced : _inferred;
    public bool UsesInferredLocks => _state.RowCounts[(int)RowType.LockAcquire] == 0;

    /// <summary>Lock classes (name ids) a lock-taking function of the rule table takes; empty for other functions.</summary>
    public int[] ClassesTakenBy(int function) => _lockFunctions.TryGetValue(function, out var c) ? c : [];

    public void Begin(TraceInfo info, NameTable names)
    {
        _info = info;
        _names = names;
        _traced = new LockValidator(names);
        _inferred = new LockValidator(names);
        _classesWithAssumedIrqState.Clear();
        _lockFunctions.Clear();
        foreach (var g in _rules.LockFunctionsFor(KernelVersion.Parse(info.Kernel)).GroupBy(l => l.Function))
            _lockFunctions[names.Intern(g.Key)] = g.Select(l => names.Intern(l.LockClass)).Distinct().ToArray();
    }

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        switch (_state.Row)
        {
            case RowType.LockAcquire:
                OnAcquire(chunk, row, context);
                return;
            case RowType.LockRelease:
                _traced.Release(TraceState.TaskKey(context), ClassName(chunk, row), LockdepAddr(chunk, row));
                return;
            case RowType.CallEntry:
            case RowType.CallLeaf:
                if (_state.RowFunction != 0 && _lockFunctions.TryGetValue(_state.RowFunction, out var classes))
                    OnInferred(chunk, row, context, classes);
                break;
            case RowType.Lost:
                _traced.ResetHeld();
                return;
        }
        if (_traced.AnyHeld && !context.Uncertain)
        {
            int task = TraceState.TaskKey(context);
            var irq = IrqStateOf(context);
            if (_traced.WouldMarkEnabled(task, irq))
                _traced.ObserveIrqState(task, irq, _state.Ref(chunk, row, context));
        }
    }

    public void End(List<ReportTable> reports)
    {
        var v = UsesInferredLocks ? _inferred : _traced;
        reports.Add(UsageTable(v));
        reports.Add(FindingsTable(v));
    }

    public void AddSummaryCounts(SummaryCounts counts)
    {
        var v = UsesInferredLocks ? _inferred : _traced;
        counts.Set("lock_classes", v.Classes.Count);
        counts.Set("lock_findings", v.Findings.Count);
        counts.Set("lock_unmatched_releases", _traced.UnmatchedReleases);
    }

    void OnAcquire(EventChunk chunk, int row, in CpuContextView context)
    {
        long flags = chunk.TryGetValue(row, _state.Keys.Flags, out long f) ? f : 0;
        int className = ClassName(chunk, row);
        NoteIrqStateAssumed(chunk, row, className);
        _traced.Acquire(TraceState.TaskKey(context), className, LockdepAddr(chunk, row),
            trylock: (flags & 1) != 0, read: (flags & 2) != 0, IrqStateOf(context), _state.Ref(chunk, row, context));
    }

    /// <summary>A lock-taking function was entered: it acquires and releases its classes inside (no hold across).</summary>
    void OnInferred(EventChunk chunk, int row, in CpuContextView context, int[] classes)
    {
        var ev = _state.Ref(chunk, row, context);
        int task = TraceState.TaskKey(context);
        foreach (int cls in classes)
        {
            NoteIrqStateAssumed(chunk, row, cls);
            _inferred.Acquire(task, cls, 0, trylock: false, read: false, IrqStateOf(context), ev);
            _inferred.Release(task, cls, 0);
        }
    }

    /// <summary>
    /// Without a flags column (function_graph text, captures with the irq-info option off) the irq state of task code
    /// is not in the trace; the validator takes it as enabled, as lockdep's own default would be, and the findings
    /// that rest on such an -ON- usage say so (lock_findings.irq_state_assumed).
    /// </summary>
    void NoteIrqStateAssumed(EventChunk chunk, int row, int className)
    {
        if ((chunk.Context[row] & ContextBits.Known) == 0)
            _classesWithAssumedIrqState.Add(className);
    }

    bool RestsOnAssumedIrqState(LockFinding f)
    {
        if (!f.UsageFrom.Contains("-ON-", StringComparison.Ordinal) && !f.UsageTo.Contains("-ON-", StringComparison.Ordinal)
            && !f.UsageFrom.Contains("ENABLED", StringComparison.Ordinal) && !f.UsageTo.Contains("ENABLED", StringComparison.Ordinal))
            return false;
        foreach (var name in f.LockClass.Split(" -> "))
            if (_classesWithAssumedIrqState.Contains(_names.Intern(name)))
                return true;
        return false;
    }

    LockValidator.IrqState IrqStateOf(in CpuContextView c)
    {
        bool inHardirq = c.Context is ExecContext.HardIrq or ExecContext.Nmi;
        bool inSoftirq = !inHardirq && _state.RowServingSoftirq;
        bool hardOn = !c.IrqsOff && !inHardirq;
        bool softOn = hardOn && !inSoftirq && !c.BhOff
                      && c.Context is ExecContext.Task or ExecContext.TaskAtomic or ExecContext.Unknown;
        return new LockValidator.IrqState(inHardirq, inSoftirq, hardOn, softOn);
    }

    int ClassName(EventChunk chunk, int row)
    {
        var name = chunk.GetText(row, _state.Keys.Name);
        return name.IsEmpty ? 0 : _state.NameCache.Id(name);
    }

    ulong LockdepAddr(EventChunk chunk, int row)
        => TraceState.TryGetAddress(chunk, row, _state.Keys.LockdepAddr, out ulong a) ? a : 0;

    bool SixCharUsage => KernelVersion.Parse(_info.Kernel) is var k && !k.IsLatest && k >= new KernelVersion(2, 6, 30) && k < new KernelVersion(4, 14, 0);

    ReportTable UsageTable(LockValidator v)
    {
        var t = new ReportTable("lock_usage");
        var trace = t.String("trace");
        var lockClass = t.String("lock_class");
        var usage = t.String("usage");
        var bit = t.String("usage_bit");
        var acquisitions = t.Int64("acquisitions");
        var inferred = t.Bool("inferred");
        var ts = t.Int64("first_ts_ns");
        var cpu = t.Int32("first_cpu");
        var pid = t.Int32("first_pid");
        var comm = t.String("first_comm");
        var ctx = t.String("first_context");
        var function = t.String("first_function");
        var line = t.Int64("first_line");
        bool six = SixCharUsage;
        foreach (var cls in v.Classes.OrderBy(c => _names[c.Name], StringComparer.Ordinal))
        {
            string usageText = LockUsage.Format(cls.Usage, six);
            for (int b = 0; b < LockUsage.BitCount; b++)
            {
                if (!cls.Has(b)) continue;
                var e = cls.FirstUse[b];
                trace.Append(_info.Name);
                lockClass.Append(_names[cls.Name]);
                usage.Append(usageText);
                bit.Append(LockUsage.Name(b));
                acquisitions.Append(cls.Acquisitions);
                inferred.Append(v == _inferred);
                ts.Append(e.TsNs);
                cpu.Append(e.Cpu);
                pid.Append(e.Pid);
                comm.Append(_names[e.Comm]);
                ctx.Append(e.Context.Name());
                function.Append(Where(e));
                line.Append(e.Line);
                t.EndRow();
            }
        }
        return t;
    }

    ReportTable FindingsTable(LockValidator v)
    {
        var t = new ReportTable("lock_findings");
        var trace = t.String("trace");
        var kind = t.String("kind");
        var lockClass = t.String("lock_class");
        var from = t.String("usage_from");
        var to = t.String("usage_to");
        var ts = t.Int64("ts_ns");
        var cpu = t.Int32("cpu");
        var otherTs = t.Int64("other_ts_ns");
        var otherCpu = t.Int32("other_cpu");
        var evidence = t.String("evidence");
        var assumed = t.Bool("irq_state_assumed");
        foreach (var f in v.Findings.OrderBy(f => f.Event.TsNs).ThenBy(f => f.Kind, StringComparer.Ordinal)
                     .ThenBy(f => f.LockClass, StringComparer.Ordinal))
        {
            trace.Append(_info.Name);
            kind.Append(f.Kind);
            lockClass.Append(f.LockClass);
            from.Append(f.UsageFrom);
            to.Append(f.UsageTo);
            ts.Append(f.Event.TsNs);
            cpu.Append(f.Event.Cpu);
            if (f.Other.IsSet) { otherTs.Append(f.Other.TsNs); otherCpu.Append(f.Other.Cpu); }
            else { otherTs.AppendNull(); otherCpu.AppendNull(); }
            bool irqAssumed = RestsOnAssumedIrqState(f);
            string text = v == _inferred ? f.Evidence + " [acquisitions inferred from lock-taking functions: the trace has no lock events]" : f.Evidence;
            evidence.Append(irqAssumed ? text + " [irq state assumed enabled: the trace has no flags column for these acquisitions]" : text);
            assumed.Append(irqAssumed);
            t.EndRow();
        }
        return t;
    }

    string Where(in EventRef e)
        => e.Function == 0 ? "" : e.Caller == 0 ? _names[e.Function] : _names[e.Function] + " <- " + _names[e.Caller];
}
