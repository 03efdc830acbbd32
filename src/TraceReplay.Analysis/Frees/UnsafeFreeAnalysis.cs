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
/// Checks every free-like operation (functions entered, work items started, kfree/kmem_cache_free events) against the
/// rule table: an operation in a forbidden context, or whose free path takes a lock class whose recorded usage conflicts
/// with the current context (SOFTIRQ-ON-W class taken while serving a softirq, HARDIRQ-ON-W in hardirq), or a free of an
/// object containing a held lock. Operations nested in one already reported (free_css_id under __mem_cgroup_free) are
/// part of that report. Writes unsafe_frees.
/// </summary>
public sealed class UnsafeFreeAnalysis(TraceState state, RuleTable rules, LockUsageAnalysis locks, LifetimeAnalysis lifetimes)
    : IReplayObserver, IReplaySummaryContributor
{
    readonly TraceState _state = state;
    readonly RuleTable _rules = rules;
    readonly LockUsageAnalysis _locks = locks;
    readonly LifetimeAnalysis _lifetimes = lifetimes;
    readonly Dictionary<int, FreeRule[]> _rulesByOperation = new();
    readonly Dictionary<FreeRule, int[]> _lockIds = new();
    readonly List<UnsafeFree> _found = new();
    readonly Dictionary<(string Operation, ExecContext Context), long> _checked = new();
    /// <summary>Reported operation instances on graph/kprobe stacks: (task key, entry ns).</summary>
    readonly HashSet<(int Task, long EntryNs)> _reportedFrames = new();
    /// <summary>Function tracer: the last reported operation per task and irq level (its callees are part of it).</summary>
    readonly Dictionary<long, int> _reportedByLevel = new();
    NameTable _names = null!;
    TraceInfo _info = null!;

    public IReadOnlyList<UnsafeFree> Found => _found;

    /// <summary>How many times each rule-table operation was seen, per context (e.g. every css_free_rwork_fn in task context).</summary>
    public IReadOnlyDictionary<(string Operation, ExecContext Context), long> Checked => _checked;

    public void Begin(TraceInfo info, NameTable names)
    {
        _info = info;
        _names = names;
        _found.Clear();
        _checked.Clear();
        _reportedFrames.Clear();
        _reportedByLevel.Clear();
        _rulesByOperation.Clear();
        _lockIds.Clear();
        foreach (var rule in _rules.RulesFor(KernelVersion.Parse(info.Kernel)))
        {
            _lockIds[rule] = rule.Locks.Select(l => names.Intern(l)).ToArray();
            foreach (var op in rule.Operations)
            {
                int id = names.Intern(op);
                _rulesByOperation[id] = _rulesByOperation.TryGetValue(id, out var list) ? [.. list, rule] : [rule];
            }
        }
    }

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        int op;
        switch (_state.Row)
        {
            case RowType.CallEntry:
            case RowType.CallLeaf:
                op = _state.RowFunction;
                break;
            case RowType.WorkStart:
                op = _state.SymbolId(chunk, row, _state.Keys.Function);
                break;
            case RowType.Kfree:
            case RowType.KmemCacheFree:
                op = chunk.Event[row];
                break;
            case RowType.LockAcquire:
                CheckAcquisitionInFreePath(chunk, row, context);
                return;
            default:
                return;
        }
        if (op == 0 || !_rulesByOperation.TryGetValue(op, out var opRules))
            return;
        var key = (_names[op], context.Context);
        _checked[key] = _checked.GetValueOrDefault(key) + 1;
        if (IsInsideReported(context))
            return;
        foreach (var rule in opRules)
        {
            var found = rule.Check == FreeRule.HeldLockCheck
                ? CheckHeldLockFreed(chunk, row, context, rule, op)
                : CheckContext(chunk, row, context, rule, op);
            if (found is null) continue;
            _found.Add(found);
            MarkReported(context);
            break;
        }
    }

    public void End(List<ReportTable> reports)
    {
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
        foreach (var f in _found)
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

    UnsafeFree? CheckContext(EventChunk chunk, int row, in CpuContextView context, FreeRule rule, int op)
    {
        bool forbidden = rule.IsForbidden(context.Context);
        var (lockClass, conflictBit, conflict) = FirstConflictingLock(_lockIds[rule], context);
        if (!forbidden && lockClass == 0)
            return null;
        var ev = _state.Ref(chunk, row, context);
        string opName = _names[op];
        var sb = new StringBuilder();
        sb.Append(opName).Append("() ran in ").Append(context.Context.Name()).Append(" context");
        AppendWhere(sb, ev);
        if (forbidden)
            sb.Append("; forbidden there by rule ").Append(rule.Id).Append(" (kernel ").Append(rule.Kernels).Append(')');
        if (lockClass != 0)
        {
            string irq = conflictBit >= LockUsage.InSoftirq ? "SOFTIRQ" : "HARDIRQ";
            sb.Append("; its free path takes ").Append(_names[lockClass]).Append(", registered {").Append(LockUsage.Name(conflictBit))
              .Append("} at ").Append(conflict.Describe(_names))
              .Append(" — lockdep would report inconsistent {").Append(LockUsage.Name(conflictBit)).Append("} -> {IN-").Append(irq).Append("-W} usage");
        }
        sb.Append(". Why: ").Append(rule.Reason).Append(". Fix: ").Append(rule.Fix).Append(". Source: ").Append(rule.Source);
        return new UnsafeFree(ev, opName, rule.ObjectKind, ObjectKey(chunk, row), rule, lockClass == 0 ? "" : _names[lockClass],
            conflict, sb.ToString());
    }

    /// <summary>The first of the rule's lock classes whose usage conflicts with the current context, with the conflicting bit.</summary>
    (int LockClass, int Bit, EventRef Conflict) FirstConflictingLock(int[] classes, in CpuContextView context)
    {
        if (classes.Length == 0) return (0, 0, default);
        bool inHardirq = context.Context is ExecContext.HardIrq or ExecContext.Nmi;
        bool inSoftirq = !inHardirq && _state.RowServingSoftirq;
        if (!inHardirq && !inSoftirq) return (0, 0, default);
        var v = _locks.Current;
        foreach (int name in classes)
        {
            var cls = v.FindClass(name);
            if (cls is null) continue;
            int w = inHardirq ? LockUsage.EnabledHardirq : LockUsage.EnabledSoftirq;
            foreach (int bit in (ReadOnlySpan<int>)[w, w + 1])
                if (cls.Has(bit))
                    return (name, bit, cls.FirstUse[bit]);
        }
        return (0, 0, default);
    }

    /// <summary>A lock acquired while serving an irq inside a rule operation's frame, whose class is irq-unsafe for it.</summary>
    void CheckAcquisitionInFreePath(EventChunk chunk, int row, in CpuContextView context)
    {
        var stack = _state.Stack(context);
        if (stack.Count == 0) return;
        bool inHardirq = context.Context is ExecContext.HardIrq or ExecContext.Nmi;
        if (!inHardirq && !_state.RowServingSoftirq) return;
        int task = TraceState.TaskKey(context);
        foreach (var frame in stack)
            if (_reportedFrames.Contains((task, frame.EntryNs)))
                return; // already part of a report
        for (int i = stack.Count - 1; i >= 0; i--)
        {
            var frame = stack[i];
            if (!_rulesByOperation.TryGetValue(frame.Function, out var opRules)) continue;
            var name = chunk.GetText(row, _state.Keys.Name);
            if (name.IsEmpty) return;
            var cls = _locks.Current.FindClass(_names.Intern(name));
            if (cls is null) return;
            int w = inHardirq ? LockUsage.EnabledHardirq : LockUsage.EnabledSoftirq;
            int bit = cls.Has(w) ? w : cls.Has(w + 1) ? w + 1 : -1;
            if (bit < 0) return;
            var rule = opRules.FirstOrDefault(r => r.Check == FreeRule.ContextCheck);
            if (rule is null) return;
            var ev = _state.Ref(chunk, row, context);
            var conflict = cls.FirstUse[bit];
            string opName = _names[frame.Function];
            var sb = new StringBuilder();
            sb.Append(opName).Append("() (entered at ").Append(frame.EntryNs).Append(" ns) ran in ").Append(context.Context.Name())
              .Append(" context and took ").Append(_names[cls.Name]).Append(", registered {").Append(LockUsage.Name(bit))
              .Append("} at ").Append(conflict.Describe(_names)).Append("; acquisition ").Append(ev.Describe(_names))
              .Append(". Why: ").Append(rule.Reason).Append(". Fix: ").Append(rule.Fix).Append(". Source: ").Append(rule.Source);
            _found.Add(new UnsafeFree(ev with { TsNs = frame.EntryNs }, opName, rule.ObjectKind, "", rule, _names[cls.Name], conflict, sb.ToString()));
            _reportedFrames.Add((task, frame.EntryNs));
            return;
        }
    }

    UnsafeFree? CheckHeldLockFreed(EventChunk chunk, int row, in CpuContextView context, FreeRule rule, int op)
    {
        var v = _locks.Current;
        if (!v.AnyHeld || !TraceState.TryGetAddress(chunk, row, _state.Keys.Ptr, out ulong ptr) || ptr == 0)
            return null;
        ulong size = _lifetimes.TryGetObjectSize(ptr, out long s) && s > 0 ? (ulong)s : 1;
        foreach (var (task, held) in v.AllHeld())
        {
            if (held.Instance < ptr || held.Instance >= ptr + size) continue;
            var ev = _state.Ref(chunk, row, context);
            string cls = _names[v.Classes[held.Class].Name];
            string evidence = $"{_names[op]}(0x{ptr:x}, {size} bytes) {ev.Describe(_names)} frees the lock {cls} at 0x{held.Instance:x} " +
                $"while it is held (acquired {held.Acquired.Describe(_names)}). Why: {rule.Reason}. Fix: {rule.Fix}. Source: {rule.Source}";
            return new UnsafeFree(ev, _names[op], rule.ObjectKind, $"0x{ptr:x}", rule, cls, held.Acquired, evidence);
        }
        return null;
    }

    bool IsInsideReported(in CpuContextView context)
    {
        var stack = _state.Stack(context);
        int task = TraceState.TaskKey(context);
        // The current function is the stack top (graph/kprobe entry); anything below it that was reported encloses it.
        for (int i = stack.Count - 2; i >= 0; i--)
            if (_reportedFrames.Contains((task, stack[i].EntryNs)))
                return true;
        return _state.RowCaller != 0 && _reportedByLevel.TryGetValue(TraceState.LevelKey(context), out int fn) && fn == _state.RowCaller;
    }

    void MarkReported(in CpuContextView context)
    {
        var stack = _state.Stack(context);
        if (stack.Count > 0 && _state.Row is RowType.CallEntry)
            _reportedFrames.Add((TraceState.TaskKey(context), stack[^1].EntryNs));
        if (_state.RowFunction != 0)
            _reportedByLevel[TraceState.LevelKey(context)] = _state.RowFunction;
    }

    void AppendWhere(StringBuilder sb, in EventRef ev)
    {
        sb.Append(" on cpu ").Append(ev.Cpu).Append(", ").Append(_names[ev.Comm]).Append('/').Append(ev.Pid);
        if (ev.RcuCallback != 0) sb.Append(", inside RCU callback ").Append(_names[ev.RcuCallback]);
        else if (ev.ServingSoftirq) sb.Append(", serving a softirq");
        if (ev.WorkFunction != 0) sb.Append(", in work item ").Append(_names[ev.WorkFunction]);
        if (ev.Caller != 0) sb.Append(", called from ").Append(_names[ev.Caller]);
        sb.Append(" at ").Append(ev.TsNs).Append(" ns");
        if (ev.Line > 0) sb.Append(" (line ").Append(ev.Line).Append(')');
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
            if (chunk.FieldTypes[f] == FieldType.Hex) return $"0x{(ulong)chunk.FieldValue[f]:x}";
        }
        return "";
    }
}
