using System.Text;
using TraceReplay.Analysis.Common;
using TraceReplay.Analysis.Lifetimes;
using TraceReplay.Analysis.Locks;
using TraceReplay.Analysis.Rules;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Frees;

/// <summary>
/// Checks every free-like operation of the rule table (functions entered, work items started, kfree/kmem_cache_free
/// events). An operation entered in a context its rule forbids, or in an irq context at all when its rule names lock
/// classes, is followed until it returns (function_graph/kprobe frames, work item end, or — function tracer — while the
/// task's calls stay in its call tree): every lock class its free path takes (traced lock_acquire, or inferred from
/// lock-taking functions when the trace has no lock events) whose recorded usage conflicts with the context (e.g. a
/// SOFTIRQ-ON-W class taken while serving a softirq) is one unsafe free, at that acquisition. A forbidden operation that
/// takes no conflicting lock is one unsafe free without a lock class. Frees of objects containing a held lock are
/// checked too. Writes unsafe_frees.
/// </summary>
public sealed class UnsafeFreeAnalysis(TraceState state, RuleTable rules, LockUsageAnalysis locks, LifetimeAnalysis lifetimes)
    : IReplayObserver, IReplaySummaryContributor
{
    readonly TraceState _state = state;
    readonly RuleTable _rules = rules;
    readonly LockUsageAnalysis _locks = locks;
    readonly LifetimeAnalysis _lifetimes = lifetimes;
    /// <summary>Rule-table operations by name id (null for other names): every kfree/kmem_cache_free row looks here.</summary>
    OperationRules?[] _rulesByOperation = [];
    readonly List<UnsafeFree> _found = new();
    /// <summary>The free operation being followed per task and irq level.</summary>
    readonly Dictionary<long, ActiveOp> _active = new();
    NameTable _names = null!;
    TraceInfo _info = null!;

    public IReadOnlyList<UnsafeFree> Found => _found;

    /// <summary>How many times each rule-table operation was seen, per context (e.g. every css_free_rwork_fn in task context).</summary>
    public IReadOnlyDictionary<(string Operation, ExecContext Context), long> Checked
    {
        get
        {
            var seen = new Dictionary<(string Operation, ExecContext Context), long>();
            for (int op = 0; op < _rulesByOperation.Length; op++)
                if (_rulesByOperation[op] is { } rules)
                    for (int c = 0; c < rules.SeenByContext.Length; c++)
                        if (rules.SeenByContext[c] > 0) seen[(_names[op], (ExecContext)c)] = rules.SeenByContext[c];
            return seen;
        }
    }

    /// <summary>The rules of one operation, the contexts each forbids as a bit mask, and how often it was seen per context.</summary>
    sealed class OperationRules(FreeRule[] rules)
    {
        public readonly FreeRule[] Rules = rules;
        public readonly int[] ForbiddenMasks = rules.Select(ForbiddenMask).ToArray();
        public readonly bool[] IsHeldLockCheck = rules.Select(r => r.Check == FreeRule.HeldLockCheck).ToArray();
        public readonly bool[] TakesLocks = rules.Select(r => r.Locks.Count > 0).ToArray();
        public readonly long[] SeenByContext = new long[Enum.GetValues<ExecContext>().Length];

        public static int ForbiddenMask(FreeRule rule)
        {
            int mask = 0;
            foreach (var c in Enum.GetValues<ExecContext>())
                if (rule.IsForbidden(c)) mask |= 1 << (int)c;
            return mask;
        }
    }

    /// <summary>How the end of a followed operation is seen.</summary>
    enum Span : byte { Frame, FunctionTracer, WorkItem, SingleRow }

    sealed class ActiveOp(FreeRule rule, int function, EventRef entry, string objectKey, bool forbidden, Span span, int depth, long frameNs)
    {
        public readonly FreeRule Rule = rule;
        public readonly int Function = function;
        public readonly EventRef Entry = entry;
        public readonly string ObjectKey = objectKey;
        public readonly bool Forbidden = forbidden;
        public readonly Span Span = span;
        public readonly int Depth = depth;
        public readonly long FrameNs = frameNs;
        public readonly HashSet<int> CallTree = [function];
        public readonly HashSet<int> ReportedClasses = new();
        public int Rows;
    }

    public void Begin(TraceInfo info, NameTable names)
    {
        _info = info;
        _names = names;
        _found.Clear();
        _active.Clear();
        var byOperation = new Dictionary<int, FreeRule[]>();
        foreach (var rule in _rules.RulesFor(KernelVersion.Parse(info.Kernel)))
            foreach (var op in rule.Operations)
            {
                int id = names.Intern(op);
                byOperation[id] = byOperation.TryGetValue(id, out var list) ? [.. list, rule] : [rule];
            }
        _rulesByOperation = new OperationRules?[byOperation.Count == 0 ? 0 : byOperation.Keys.Max() + 1];
        foreach (var (id, opRules) in byOperation)
            _rulesByOperation[id] = new OperationRules(opRules);
    }

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        long level = TraceState.LevelKey(context);
        ActiveOp? active = null;
        if (_active.Count > 0 && _active.TryGetValue(level, out active) && !StillInside(active, context))
        {
            Finish(active);
            _active.Remove(level);
            active = null;
        }

        int op = OperationOf(chunk, row);
        if ((uint)op < (uint)_rulesByOperation.Length && _rulesByOperation[op] is { } opRules)
        {
            opRules.SeenByContext[(int)context.Context]++;
            if (active is null)
                active = Start(chunk, row, context, op, opRules, level);
        }

        if (active is not null)
        {
            if (_state.Row == RowType.LockAcquire)
            {
                var name = chunk.GetText(row, _state.Keys.Name);
                if (!name.IsEmpty) CheckAcquisition(active, _state.NameCache.Id(name), chunk, row, context);
            }
            else if (_state.Row is RowType.CallEntry or RowType.CallLeaf && _locks.UsesInferredLocks)
                foreach (int cls in _locks.ClassesTakenBy(_state.RowFunction))
                    CheckAcquisition(active, cls, chunk, row, context);

            if (active.Span == Span.SingleRow)
            {
                Finish(active);
                _active.Remove(level);
            }
        }
    }

    public void End(List<ReportTable> reports)
    {
        foreach (var op in _active.Values.OrderBy(o => o.Entry.TsNs).ThenBy(o => o.Entry.Cpu))
            Finish(op);
        _active.Clear();
        var t = new ReportTable("unsafe_frees");
        var trace = t.String("trace");
        var ts = t.Int64("ts_ns");
        var cpu = t.Int32("cpu");
        var pid = t.Int32("pid");
        var comm = t.String("comm");
        var ctx = t.String("context");
        var objectKind = t.String("object_kind");
        var objectKey = t.String("object_key");
        var rule = t.String("rule");
        var lockClass = t.String("lock_class");
        var conflictTs = t.Int64("conflict_ts_ns");
        var conflictCpu = t.Int32("conflict_cpu");
        var conflictCtx = t.String("conflict_context");
        var evidence = t.String("evidence");
        var line = t.Int64("line");
        foreach (var f in _found.OrderBy(f => f.Event.TsNs).ThenBy(f => f.Event.Cpu).ThenBy(f => f.Event.Line))
        {
            trace.Append(_info.Name);
            ts.Append(f.Event.TsNs);
            cpu.Append(f.Event.Cpu);
            pid.Append(f.Event.Pid);
            comm.Append(_names[f.Event.Comm]);
            ctx.Append(f.Event.Context.Name());
            objectKind.Append(f.ObjectKind);
            objectKey.Append(f.ObjectKey);
            rule.Append(f.Rule.Id);
            lockClass.Append(f.LockClass);
            if (f.Conflict.IsSet)
            {
                conflictTs.Append(f.Conflict.TsNs);
                conflictCpu.Append(f.Conflict.Cpu);
                conflictCtx.Append(f.Conflict.Context.Name());
            }
            else
            {
                conflictTs.AppendNull();
                conflictCpu.AppendNull();
                conflictCtx.AppendNull();
            }
            evidence.Append(f.Evidence);
            line.Append(f.Event.Line);
            t.EndRow();
        }
        reports.Add(t);
    }

    public void AddSummaryCounts(SummaryCounts counts) => counts.Set("unsafe_frees", _found.Count);

    int OperationOf(EventChunk chunk, int row) => _state.Row switch
    {
        RowType.CallEntry or RowType.CallLeaf => _state.RowFunction,
        RowType.WorkStart => _state.SymbolId(chunk, row, _state.Keys.Function),
        RowType.Kfree or RowType.KmemCacheFree => chunk.Event[row],
        _ => 0,
    };

    /// <summary>Begins following an operation when its rule forbids the context or its locks may conflict here.</summary>
    ActiveOp? Start(EventChunk chunk, int row, in CpuContextView context, int op, OperationRules opRules, long level)
    {
        bool inIrq = context.Context is ExecContext.HardIrq or ExecContext.Nmi || _state.RowServingSoftirq;
        var rules = opRules.Rules;
        for (int i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            if (opRules.IsHeldLockCheck[i])
            {
                if (CheckHeldLockFreed(chunk, row, context, rule, op) is { } held) _found.Add(held);
                continue;
            }
            bool forbidden = (opRules.ForbiddenMasks[i] & (1 << (int)context.Context)) != 0;
            if (!forbidden && !(inIrq && opRules.TakesLocks[i]))
                continue;
            var (span, depth, frameNs) = SpanOf(chunk, row, context);
            var active = new ActiveOp(rule, op, _state.Ref(chunk, row, context), ObjectKey(chunk, row), forbidden, span, depth, frameNs);
            _active[level] = active;
            return active;
        }
        return null;
    }

    (Span Span, int Depth, long FrameNs) SpanOf(EventChunk chunk, int row, in CpuContextView context)
    {
        switch (_state.Row)
        {
            case RowType.WorkStart:
                return (Span.WorkItem, -1, 0);
            case RowType.CallEntry when chunk.Kind[row] == EventKind.Function:
                return (Span.FunctionTracer, -1, 0);
            case RowType.CallEntry:
                var stack = _state.Stack(context);
                return stack.Count == 0 ? (Span.SingleRow, -1, 0) : (Span.Frame, stack.Count - 1, stack[^1].EntryNs);
            default:
                return (Span.SingleRow, -1, 0);
        }
    }

    bool StillInside(ActiveOp op, in CpuContextView context)
    {
        switch (op.Span)
        {
            case Span.Frame:
                var stack = _state.Stack(context);
                return stack.Count > op.Depth && stack[op.Depth].EntryNs == op.FrameNs && stack[op.Depth].Function == op.Function;
            case Span.WorkItem:
                return _state.Row != RowType.WorkStart && context.WorkFunction == op.Function;
            case Span.FunctionTracer:
                switch (_state.Row)
                {
                    case RowType.CallEntry:
                    case RowType.CallLeaf:
                        if (!op.CallTree.Contains(_state.RowCaller)) return false;
                        op.CallTree.Add(_state.RowFunction);
                        return true;
                    case RowType.IrqBoundary:
                    case RowType.RcuInvokeCallback:
                    case RowType.WorkStart:
                    case RowType.WorkEnd:
                    case RowType.SchedSwitch:
                    case RowType.Lost:
                        return false;
                    default:
                        return true;
                }
            default:
                return false;
        }
    }

    /// <summary>A lock class taken inside a followed free operation: unsafe when its usage conflicts with the context.</summary>
    void CheckAcquisition(ActiveOp op, int className, EventChunk chunk, int row, in CpuContextView context)
    {
        bool inHardirq = context.Context is ExecContext.HardIrq or ExecContext.Nmi;
        if (!inHardirq && !_state.RowServingSoftirq) return;
        if (op.ReportedClasses.Contains(className)) return;
        var cls = _locks.Current.FindClass(className);
        if (cls is null) return;
        int w = inHardirq ? LockUsage.EnabledHardirq : LockUsage.EnabledSoftirq;
        int bit = cls.Has(w) ? w : cls.Has(w + 1) ? w + 1 : -1;
        if (bit < 0) return;
        op.ReportedClasses.Add(className);
        op.Rows++;
        var ev = _state.Ref(chunk, row, context);
        var conflict = cls.FirstUse[bit];
        string irq = inHardirq ? "HARDIRQ" : "SOFTIRQ";
        var sb = new StringBuilder();
        AppendOperation(sb, op);
        sb.Append("; its free path took ").Append(_names[className]).Append(" at ").Append(ev.TsNs).Append(" ns");
        if (ev.Function != 0 && ev.Function != op.Function) sb.Append(" in ").Append(_names[ev.Function]);
        if (ev.Line > 0) sb.Append(" (line ").Append(ev.Line).Append(')');
        sb.Append(", a class registered {").Append(LockUsage.Name(bit)).Append("} at ").Append(conflict.Describe(_names))
          .Append(" — lockdep: inconsistent {").Append(LockUsage.Name(bit)).Append("} -> {IN-").Append(irq).Append("-W} usage; ")
          .Append("an interrupt taking it on a CPU where a task holds it with ").Append(irq.ToLowerInvariant()).Append("s enabled deadlocks");
        AppendRule(sb, op.Rule);
        _found.Add(new UnsafeFree(ev, _names[op.Function], op.Rule.ObjectKind, op.ObjectKey, op.Rule, _names[className], conflict, sb.ToString()));
    }

    /// <summary>An operation in a forbidden context that took no conflicting lock is still one unsafe free (e.g. vfree in softirq).</summary>
    void Finish(ActiveOp op)
    {
        if (op.Rows > 0 || !op.Forbidden) return;
        var sb = new StringBuilder();
        AppendOperation(sb, op);
        sb.Append("; forbidden there by rule ").Append(op.Rule.Id).Append(" (kernel ").Append(op.Rule.Kernels).Append(')');
        AppendRule(sb, op.Rule);
        _found.Add(new UnsafeFree(op.Entry, _names[op.Function], op.Rule.ObjectKind, op.ObjectKey, op.Rule, "", default, sb.ToString()));
    }

    void AppendOperation(StringBuilder sb, ActiveOp op)
    {
        var e = op.Entry;
        sb.Append(_names[op.Function]).Append("()");
        if (op.ObjectKey.Length > 0) sb.Append(" of ").Append(op.Rule.ObjectKind).Append(' ').Append(op.ObjectKey);
        sb.Append(" ran in ").Append(e.Context.Name()).Append(" context on cpu ").Append(e.Cpu).Append(", ")
          .Append(_names[e.Comm]).Append('/').Append(e.Pid);
        if (e.RcuCallback != 0) sb.Append(", inside RCU callback ").Append(_names[e.RcuCallback]);
        else if (e.ServingSoftirq) sb.Append(", serving a softirq");
        if (e.WorkFunction != 0) sb.Append(", in work item ").Append(_names[e.WorkFunction]);
        if (e.Caller != 0 && e.Caller != op.Function) sb.Append(", called from ").Append(_names[e.Caller]);
        sb.Append(", entered at ").Append(e.TsNs).Append(" ns");
        if (e.Line > 0) sb.Append(" (line ").Append(e.Line).Append(')');
    }

    static void AppendRule(StringBuilder sb, FreeRule rule)
        => sb.Append(". Why: ").Append(rule.Reason).Append(". Fix: ").Append(rule.Fix).Append(". Rule ").Append(rule.Id)
             .Append(", source: ").Append(rule.Source);

    UnsafeFree? CheckHeldLockFreed(EventChunk chunk, int row, in CpuContextView context, FreeRule rule, int op)
    {
        var v = _locks.Current;
        if (!v.AnyHeld || !TraceState.TryGetAddress(chunk, row, _state.Keys.Ptr, out ulong ptr) || ptr == 0)
            return null;
        ulong size = _lifetimes.TryGetObjectSize(ptr, out long s) && s > 0 ? (ulong)s : 1;
        if (!v.TryFindHeldIn(ptr, ptr + size, out var held))
            return null;
        var ev = _state.Ref(chunk, row, context);
        string cls = _names[v.Classes[held.Class].Name];
        string evidence = $"{_names[op]}(0x{ptr:x}, {size} bytes) {ev.Describe(_names)} frees the lock {cls} at 0x{held.Instance:x} " +
            $"while it is held (acquired {held.Acquired.Describe(_names)}). Why: {rule.Reason}. Fix: {rule.Fix}. Rule {rule.Id}, source: {rule.Source}";
        return new UnsafeFree(ev, _names[op], rule.ObjectKind, $"0x{ptr:x}", rule, cls, held.Acquired, evidence);
    }

    /// <summary>The freed object's key from the row's arguments: a cache/memcg name, else the first pointer argument.</summary>
    string ObjectKey(EventChunk chunk, int row)
    {
        var name = chunk.GetText(row, _state.Keys.Name);
        if (!name.IsEmpty) return Encoding.UTF8.GetString(name);
        int end = chunk.FieldStart[row] + chunk.FieldCount[row];
        for (int f = chunk.FieldStart[row]; f < end; f++)
        {
            int key = chunk.FieldKey[f];
            if (key == _state.Keys.ProbeFunc || key == _state.Keys.CallSite || key == _state.Keys.Function
                || key == _state.Keys.Func || key == _state.Keys.Ip || key == _state.Keys.ParentIp) continue;
            if (chunk.FieldTypes[f] == FieldType.Hex && chunk.FieldValue[f] != 0) return $"0x{(ulong)chunk.FieldValue[f]:x}";
        }
        return "";
    }
}
