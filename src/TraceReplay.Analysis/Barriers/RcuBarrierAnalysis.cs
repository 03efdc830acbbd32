using System.Text;
using TraceReplay.Analysis.Common;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Barriers;

/// <summary>
/// rcu_barrier calls per destroy operation (kernel.md §2.2–2.3). Operations are kmem_cache_destroy (a root cache with
/// its clones), memcg cache teardown (memcg_unregister_all_caches / memcg_destroy_kmem_caches) and
/// slab_caches_to_rcu_destroy_workfn batches, found from function_graph entry/exit, kprobe/kretprobe pairs, function
/// tracer lines (nesting from the parent) or work items. Every rcu_barrier call — a traced rcu_barrier function or the
/// rcu:rcu_barrier "Begin" tracepoint, counted once when both appear — by the operation's task while it is open is
/// attributed to it. Writes rcu_barriers with verdict excess when more than one barrier ran (plus the per-call barriers
/// kernels 4.18–5.8 and 6.18.0–6.18.2 make by design).
/// </summary>
public sealed class RcuBarrierAnalysis(TraceState state) : IReplayObserver, IReplaySummaryContributor
{
    /// <summary>Functions that start an operation; the report's op is the function name.</summary>
    static readonly string[] s_opStarts =
    [
        "kmem_cache_destroy",                 // a root cache with its clones (or a 3.8 per-clone worker)
        "memcg_unregister_all_caches",        // memcg free, 3.18/3.19 pre-Davydov
        "memcg_destroy_kmem_caches",          // memcg free, Davydov batching
        "mem_cgroup_destroy_all_caches",      // memcg offline, 3.8
        "slab_caches_to_rcu_destroy_workfn",  // 4.11–6.11 batch of SLAB_TYPESAFE_BY_RCU releases
    ];
    /// <summary>One call per cache actually shut down (aliases that only drop a reference do not reach it).</summary>
    static readonly string[] s_shutdownFunctions = ["__kmem_cache_shutdown"];
    /// <summary>Function tracer parents that make a kmem_cache_destroy part of an enclosing operation (clone destroys).</summary>
    static readonly string[] s_nestingParents =
    [
        "kmem_cache_destroy", "memcg_unregister_cache", "kmem_cache_destroy_memcg_children", "__memcg_cleanup_cache_params",
        "memcg_cleanup_cache_params", "memcg_unregister_all_caches", "memcg_destroy_kmem_caches", "mem_cgroup_destroy_all_caches",
    ];
    static readonly string[] s_barrierFunctions = ["rcu_barrier", "rcu_barrier_sched"];

    readonly TraceState _state = state;
    readonly Dictionary<int, string> _opByFunction = new();
    readonly HashSet<int> _nestingParents = new();
    readonly HashSet<int> _barrierFunctions = new();
    readonly Dictionary<int, DestroyOperation> _open = new();
    readonly Dictionary<int, BarrierCall> _barrier = new();
    readonly List<DestroyOperation> _done = new();
    NameTable _names = null!;
    TraceInfo _info = null!;
    int _kmemCacheDestroy, _begin, _shutdown;
    bool _shutdownSeen;
    bool _perCallBarriers;

    public IReadOnlyList<DestroyOperation> Operations => _done;

    sealed class BarrierCall
    {
        public bool FromFunction;
        public long StartNs = -1;
        public long LastNs = -1;
    }

    public void Begin(TraceInfo info, NameTable names)
    {
        _info = info;
        _names = names;
        _open.Clear();
        _barrier.Clear();
        _done.Clear();
        _opByFunction.Clear();
        foreach (var f in s_opStarts) _opByFunction[names.Intern(f)] = f;
        _shutdown = names.Intern(s_shutdownFunctions[0]);
        _shutdownSeen = false;
        _nestingParents.Clear();
        foreach (var f in s_nestingParents) _nestingParents.Add(names.Intern(f));
        _barrierFunctions.Clear();
        foreach (var f in s_barrierFunctions) _barrierFunctions.Add(names.Intern(f));
        _kmemCacheDestroy = names.Intern("kmem_cache_destroy");
        _begin = names.Intern("Begin");
        var k = KernelVersion.Parse(info.Kernel);
        // kernel.md §2.3 whitelist: a barrier per kmem_cache_destroy call by design.
        _perCallBarriers = !k.IsLatest && (k.InRange("4.18-5.8") || k.InRange("6.18.0-6.18.2"));
    }

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        switch (_state.Row)
        {
            case RowType.CallEntry:
            case RowType.CallLeaf:
                OnCall(chunk, row, context);
                break;
            case RowType.CallExit:
                OnReturn(chunk, row, context);
                break;
            case RowType.WorkStart:
                {
                    int fn = _state.SymbolId(chunk, row, _state.Keys.Function);
                    if (fn != 0 && _opByFunction.TryGetValue(fn, out var opName))
                        StartOp(opName, fn, chunk, row, context, stackDepth: -2);
                    break;
                }
            case RowType.WorkEnd:
                {
                    int task = TraceState.TaskKey(context);
                    if (_open.TryGetValue(task, out var running) && running.StackDepth == -2)
                        Close(task, running, chunk.TsNs[row]);
                    break;
                }
            case RowType.RcuBarrier:
                OnBarrierTracepoint(chunk, row, context);
                break;
        }
    }

    public void End(List<ReportTable> reports)
    {
        foreach (var (task, running) in _open.OrderBy(p => p.Value.Start.TsNs))
            Finish(task, running);
        _open.Clear();
        var t = new ReportTable("rcu_barriers");
        var trace = t.String("trace");
        var op = t.String("op");
        var key = t.String("op_key");
        var start = t.Int64("start_ns");
        var end = t.Int64("end_ns");
        var cpu = t.Int32("cpu");
        var pid = t.Int32("pid");
        var caches = t.Int32("caches_destroyed");
        var rcuCaches = t.Int32("rcu_caches");
        var count = t.Int32("barrier_count");
        var ns = t.Int64("barrier_ns");
        var verdict = t.String("verdict");
        foreach (var o in _done.OrderBy(o => o.Start.TsNs).ThenBy(o => o.Start.Cpu))
        {
            trace.Append(_info.Name);
            op.Append(o.Op);
            key.Append(o.Key);
            start.Append(o.Start.TsNs);
            end.Append(o.EndNs);
            cpu.Append(o.Start.Cpu);
            pid.Append(o.Start.Pid);
            caches.Append(o.CachesDestroyed);
            rcuCaches.Append(o.RcuCaches);
            count.Append(o.BarrierCount);
            ns.Append(o.BarrierNs);
            verdict.Append(o.Verdict);
            t.EndRow();
        }
        reports.Add(t);
    }

    /// <summary>Destroy operations and how many ran more rcu_barrier calls than allowed.</summary>
    public void AddSummaryCounts(SummaryCounts counts)
    {
        counts.Set("destroy_ops", _done.Count + _open.Count);
        counts.Set("rcu_barrier_excess", _done.Count(o => o.Verdict == "excess"));
    }

    void OnCall(EventChunk chunk, int row, in CpuContextView context)
    {
        int fn = _state.RowFunction;
        if (fn == 0) return;
        int task = TraceState.TaskKey(context);
        if (_barrierFunctions.Contains(fn))
        {
            if (_open.TryGetValue(task, out var op))
            {
                CountBarrier(op, context);
                var call = BarrierOf(task);
                call.FromFunction = true;
                call.StartNs = chunk.TsNs[row];
                call.LastNs = -1;
                if (_state.Row == RowType.CallLeaf && _state.RowDurationNs >= 0)
                {
                    op.BarrierNs += _state.RowDurationNs;
                    call.StartNs = -1;
                }
                op.EndNs = Math.Max(op.EndNs, chunk.TsNs[row]);
            }
            return;
        }
        if (fn == _shutdown)
        {
            _shutdownSeen = true;
            if (_open.TryGetValue(task, out var running))
            {
                running.Shutdowns++;
                running.EndNs = Math.Max(running.EndNs, chunk.TsNs[row]);
            }
            return;
        }
        if (!_opByFunction.TryGetValue(fn, out var opName)) return;
        if (_open.TryGetValue(task, out var open))
        {
            bool nested = open.StackDepth >= 0 || open.StackDepth == -2 || _nestingParents.Contains(_state.RowCaller);
            if (nested)
            {
                if (fn == _kmemCacheDestroy)
                {
                    open.CachesDestroyed++;
                    open.DestroyCalls++;
                    open.Key = open.Key.Length == 0 ? ObjectKey(chunk, row) : open.Key;
                }
                open.EndNs = Math.Max(open.EndNs, chunk.TsNs[row]);
                return;
            }
            Close(task, open, open.EndNs);
        }
        int depth = chunk.Kind[row] == EventKind.Function ? -1 : _state.Stack(context).Count - 1;
        StartOp(opName, fn, chunk, row, context, depth);
        if (_state.Row == RowType.CallLeaf)
            Close(task, _open[task], chunk.TsNs[row] + Math.Max(0, _state.RowDurationNs));
    }

    void StartOp(string opName, int fn, EventChunk chunk, int row, in CpuContextView context, int stackDepth)
    {
        var op = new DestroyOperation(opName, ObjectKey(chunk, row), _state.Ref(chunk, row, context), fn, stackDepth);
        if (fn == _kmemCacheDestroy) op.CachesDestroyed = op.DestroyCalls = 1;
        _open[TraceState.TaskKey(context)] = op;
    }

    void OnReturn(EventChunk chunk, int row, in CpuContextView context)
    {
        int task = TraceState.TaskKey(context);
        int fn = _state.RowFunction;
        if (_barrierFunctions.Contains(fn))
        {
            if (_open.TryGetValue(task, out var op) && _barrier.TryGetValue(task, out var call) && call.StartNs >= 0)
            {
                op.BarrierNs += _state.RowDurationNs >= 0 ? _state.RowDurationNs : chunk.TsNs[row] - call.StartNs;
                call.StartNs = -1;
                op.EndNs = Math.Max(op.EndNs, chunk.TsNs[row]);
            }
            return;
        }
        if (!_open.TryGetValue(task, out var open) || open.StackDepth < 0) return;
        if (fn == open.Function && _state.Stack(context).Count - 1 <= open.StackDepth)
            Close(task, open, chunk.TsNs[row]);
    }

    void OnBarrierTracepoint(EventChunk chunk, int row, in CpuContextView context)
    {
        int task = TraceState.TaskKey(context);
        if (!_open.TryGetValue(task, out var op)) return;
        var call = BarrierOf(task);
        long ts = chunk.TsNs[row];
        bool begin = _state.SymbolId(chunk, row, _state.Keys.S) == _begin;
        if (begin)
        {
            if (call.FromFunction)
            {
                // The traced rcu_barrier() call already counted this one.
                call.FromFunction = false;
                if (call.StartNs < 0) call.StartNs = -2; // duration came from the function; ignore tracepoint phases
                return;
            }
            FlushTracepointDuration(op, call);
            CountBarrier(op, context);
            call.StartNs = ts;
            call.LastNs = ts;
        }
        else if (call.StartNs >= 0 && !call.FromFunction)
            call.LastNs = ts;
        op.EndNs = Math.Max(op.EndNs, ts);
    }

    void CountBarrier(DestroyOperation op, in CpuContextView context)
    {
        op.BarrierCount++;
        // The barrier belongs to the innermost kmem_cache_destroy frame on the stack: that cache is SLAB_DESTROY_BY_RCU.
        var stack = _state.Stack(context);
        for (int i = stack.Count - 1; i >= 0; i--)
            if (stack[i].Function == _kmemCacheDestroy)
            {
                if (op.RcuCacheFrames.Add(i * 31 + (int)(stack[i].EntryNs & 0x7fffffff))) op.RcuCaches++;
                return;
            }
        if (_state.RowCaller == _kmemCacheDestroy || (op.StackDepth == -1 && op.Function == _kmemCacheDestroy))
            op.RcuCaches = Math.Min(op.RcuCaches + 1, Math.Max(op.CachesDestroyed, 1));
    }

    void FlushTracepointDuration(DestroyOperation op, BarrierCall call)
    {
        if (call.StartNs >= 0 && call.LastNs >= call.StartNs)
            op.BarrierNs += call.LastNs - call.StartNs;
        call.StartNs = -1;
        call.LastNs = -1;
    }

    BarrierCall BarrierOf(int task)
    {
        if (!_barrier.TryGetValue(task, out var call))
            _barrier[task] = call = new BarrierCall();
        return call;
    }

    void Close(int task, DestroyOperation op, long endNs)
    {
        op.EndNs = Math.Max(op.EndNs, endNs);
        Finish(task, op);
        _open.Remove(task);
    }

    void Finish(int task, DestroyOperation op)
    {
        if (_barrier.TryGetValue(task, out var call))
        {
            if (!call.FromFunction) FlushTracepointDuration(op, call);
            _barrier.Remove(task);
        }
        // Caches shut down when the trace shows __kmem_cache_shutdown (aliases only drop a reference), else destroy calls.
        if (_shutdownSeen) op.CachesDestroyed = op.Shutdowns;
        int allowed = 1 + (_perCallBarriers ? Math.Max(0, op.DestroyCalls) : 0);
        op.Verdict = op.BarrierCount > allowed ? "excess" : "ok";
        _done.Add(op);
    }

    /// <summary>The operation's key from a kprobe's arguments (cache name, else first pointer), else "".</summary>
    string ObjectKey(EventChunk chunk, int row)
    {
        var name = chunk.GetText(row, _state.Keys.Name);
        if (!name.IsEmpty) return Encoding.UTF8.GetString(name);
        if (chunk.Kind[row] == EventKind.Tracepoint && TraceState.TryGetAddress(chunk, row, _state.Keys.Work, out ulong w))
            return $"0x{w:x}";
        int end = chunk.FieldStart[row] + chunk.FieldCount[row];
        for (int f = chunk.FieldStart[row]; f < end; f++)
            if (chunk.FieldTypes[f] == FieldType.Hex && chunk.FieldKey[f] != _state.Keys.CallSite)
                return $"0x{(ulong)chunk.FieldValue[f]:x}";
        return "";
    }
}
