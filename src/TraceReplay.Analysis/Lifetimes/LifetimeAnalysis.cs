using TraceReplay.Analysis.Common;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Lifetimes;

/// <summary>
/// Lifetime anomalies: use after free (an event on a freed memcg, cache or object), double free, the create/destroy
/// alias race (kmem_cache_create returning a cache whose kmem_cache_destroy is under way, kernel.md §2.3), and what is
/// alive or dying at the end. memcgs are keyed by cgroup root:id (cgroup tracepoints) or by the memcg argument of
/// kprobes; caches by pointer (kprobe arguments, kretprobe return values); objects by the kmem ptr, live ones only (memory
/// bounded by live state), in the replay's object table when it shares it (<see cref="IUsesLiveObjects"/>). Frees of pointers not live are counted, not flagged (the trace did not start at boot;
/// bulk/sheaf allocations are untraced).
/// </summary>
public sealed class LifetimeAnalysis(TraceState state) : IReplayObserver, IReplaySummaryContributor, IUsesLiveObjects
{
    readonly TraceState _state = state;
    /// <summary>Live objects when no replay shares its table (<see cref="UseLiveObjects"/>), e.g. fed directly.</summary>
    readonly Dictionary<ulong, ObjectState> _objects = new();
    /// <summary>The replay's object table: the same pointers, tracked once.</summary>
    ILiveObjects? _replayObjects;
    long _unknownFrees;
    readonly Dictionary<string, Lifetime> _memcgs = new(StringComparer.Ordinal);
    readonly Dictionary<string, Lifetime> _caches = new(StringComparer.Ordinal);
    readonly Dictionary<int, (string Key, long Ns)> _createInFlight = new();
    /// <summary>Per task, the caches whose kmem_cache_destroy is running (nested: root, then clones).</summary>
    readonly Dictionary<int, List<string>> _destroying = new();
    /// <summary>Per task, an open alias window: the root destroy dropped slab_mutex with the cache still listed (3.18).</summary>
    readonly Dictionary<int, (long SinceNs, string Key, int Pid)> _doomedWindows = new();
    /// <summary>Per task, a __kmem_cache_alias seen without return values: decided by the task's next event.</summary>
    readonly Dictionary<int, (bool Graph, EventRef Ref, long WindowNs, string DoomedKey, int DoomedPid)> _aliasCandidates = new();
    /// <summary>Per task, the last function-tracer function (to tell a root's __kmem_cache_shutdown from a clone's).</summary>
    readonly Dictionary<int, int> _lastFunction = new();
    readonly List<Anomaly> _anomalies = new();
    NameTable _names = null!;
    TraceInfo _info = null!;
    int _kmemCacheCreate, _kmemCacheDestroy, _memcgCreate, _memcgCreate38, _memcgFree;
    int _cleanupParams, _shutdown, _alias;
    int _ret, _s, _cachep, _memcg, _arg1;

    /// <summary>Frees of pointers not live in the trace: allocated before it started, freed twice, or reused by an untraced
    /// (bulk/sheaf) allocation. Counted, not flagged.</summary>
    public long UnknownFrees => _replayObjects?.FreesNotLive ?? _unknownFrees;
    public IReadOnlyList<Anomaly> Anomalies => _anomalies;

    struct ObjectState
    {
        public long Size;
        public long AllocNs;
        public int Cache;
    }

    sealed class Lifetime(string key, long createdNs)
    {
        public string Key = key;
        public long CreatedNs = createdNs;
        /// <summary>rmdir / destroy entered (dying).</summary>
        public long DyingNs = -1;
        public int DyingTask;
        public bool DestroyInFlight;
        public long FreedNs = -1;
        public int Refs = 1;
        /// <summary>The running destroy dropped the last reference: it frees the cache when it returns.</summary>
        public bool DestroyFreed;
    }

    /// <summary>Uses the replay's object table instead of tracking kmem pointers here (called by the replay after Begin).</summary>
    public void UseLiveObjects(ILiveObjects objects) => _replayObjects = objects;

    public void Begin(TraceInfo info, NameTable names)
    {
        _info = info;
        _names = names;
        _objects.Clear();
        _memcgs.Clear();
        _caches.Clear();
        _createInFlight.Clear();
        _destroying.Clear();
        _doomedWindows.Clear();
        _aliasCandidates.Clear();
        _lastFunction.Clear();
        _anomalies.Clear();
        _replayObjects = null;
        _unknownFrees = 0;
        _kmemCacheCreate = names.Intern("kmem_cache_create");
        _kmemCacheDestroy = names.Intern("kmem_cache_destroy");
        _memcgCreate = names.Intern("mem_cgroup_create");
        _memcgCreate38 = names.Intern("mem_cgroup_css_alloc");
        _memcgFree = names.Intern("__mem_cgroup_free");
        _ret = names.Intern("ret");
        _s = names.Intern("s");
        _cachep = names.Intern("cachep");
        _memcg = names.Intern("memcg");
        _arg1 = names.Intern("arg1");
        _cleanupParams = names.Intern("memcg_cleanup_cache_params");
        _shutdown = names.Intern("__kmem_cache_shutdown");
        _alias = names.Intern("__kmem_cache_alias");
    }

    /// <summary>Size of a live (or recently freed) object, for the held-lock-freed check.</summary>
    public bool TryGetObjectSize(ulong ptr, out long size)
    {
        if (_replayObjects != null) return _replayObjects.TryGetLiveSize(ptr, out size);
        if (_objects.TryGetValue(ptr, out var o)) { size = o.Size; return true; }
        size = 0;
        return false;
    }

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        if (_aliasCandidates.Count > 0) ResolveAliasCandidate(chunk, row, context);
        switch (_state.Row)
        {
            case RowType.Kmalloc:
            case RowType.KmemCacheAlloc:
                if (_replayObjects == null) OnAlloc(chunk, row);
                break;
            case RowType.Kfree:
            case RowType.KmemCacheFree:
                if (_replayObjects == null) OnFree(chunk, row, context);
                break;
            case RowType.CgroupMkdir:
                OnMemcgCreate(CgroupKey(chunk, row), chunk.TsNs[row]);
                break;
            case RowType.CgroupRmdir:
                OnMemcgStage(CgroupKey(chunk, row), chunk, row, context, dying: true);
                break;
            case RowType.CgroupRelease:
                OnMemcgFree(CgroupKey(chunk, row), chunk, row, context);
                break;
            case RowType.CallEntry:
            case RowType.CallLeaf:
                OnCall(chunk, row, context);
                break;
            case RowType.CallExit:
                OnReturn(chunk, row, context);
                break;
        }
    }

    public void End(List<ReportTable> reports)
    {
        foreach (var (key, l) in _memcgs.OrderBy(p => p.Key, StringComparer.Ordinal))
            AddEnd("memcg", key, l);
        foreach (var (key, l) in _caches.OrderBy(p => p.Key, StringComparer.Ordinal))
            AddEnd("kmem_cache", key, l);
        // Reference-typed totals and a sorted key list rather than a SortedDictionary of tuples: the shared generic
        // code for reference types is precompiled, a tuple instantiation (~45 methods) was jitted at every run's end.
        var live = new Dictionary<string, LiveTotal>(StringComparer.Ordinal);
        var objects = _replayObjects?.Live() ?? _objects.Values.Select(o => (o.Cache, o.Size, o.AllocNs));
        foreach (var (cacheId, size, allocNs) in objects)
        {
            string cache = cacheId == 0 ? "kmalloc" : _names[cacheId];
            if (!live.TryGetValue(cache, out var total)) live.Add(cache, total = new LiveTotal());
            total.Count++;
            total.Bytes += Math.Max(0, size);
            total.FirstNs = Math.Min(total.FirstNs, allocNs);
        }
        var caches = new List<string>(live.Keys);
        caches.Sort(StringComparer.Ordinal);
        foreach (var cache in caches)
        {
            var v = live[cache];
            _anomalies.Add(new Anomaly(AnomalyKind.ObjectsAliveAtEnd, "object", cache, -1, -1,
                $"{v.Count} objects ({v.Bytes} bytes) allocated in the trace and not freed by its end", v.FirstNs));
        }

        var t = new ReportTable("anomalies");
        var trace = t.String("trace");
        var kind = t.String("kind");
        var objectKind = t.String("object_kind");
        var objectKey = t.String("object_key");
        var ts = t.Int64("ts_ns");
        var cpu = t.Int32("cpu");
        var detail = t.String("detail");
        var first = t.Int64("first_ns");
        foreach (var a in _anomalies)
        {
            trace.Append(_info.Name);
            kind.Append(a.Kind);
            objectKind.Append(a.ObjectKind);
            objectKey.Append(a.ObjectKey);
            if (a.TsNs >= 0) ts.Append(a.TsNs); else ts.AppendNull();
            if (a.Cpu >= 0) cpu.Append(a.Cpu); else cpu.AppendNull();
            detail.Append(a.Detail);
            if (a.FirstNs >= 0) first.Append(a.FirstNs); else first.AppendNull();
            t.EndRow();
        }
        reports.Add(t);
    }

    sealed class LiveTotal
    {
        public long Count, Bytes, FirstNs = long.MaxValue;
    }

    void AddEnd(string kind, string key, Lifetime l)
    {
        if (l.FreedNs >= 0) return;
        if (l.DyingNs >= 0)
            _anomalies.Add(new Anomaly(AnomalyKind.DyingAtEnd, kind, key, -1, -1,
                $"{kind} {key} was being destroyed since {l.DyingNs} ns and not freed by the end of the trace", l.DyingNs));
        else
            _anomalies.Add(new Anomaly(AnomalyKind.AliveAtEnd, kind, key, -1, -1,
                $"{kind} {key} created at {l.CreatedNs} ns is alive at the end of the trace", l.CreatedNs));
    }

    public void AddSummaryCounts(SummaryCounts counts)
    {
        foreach (var kind in (string[])[AnomalyKind.UseAfterFree, AnomalyKind.DoubleFree, AnomalyKind.Alias, AnomalyKind.DyingAtEnd])
            counts.Set("anomaly_" + kind, _anomalies.Count(a => a.Kind == kind));
        counts.Set("object_frees_not_live", UnknownFrees);
    }

    // ---------------------------------------------------------------- objects

    void OnAlloc(EventChunk chunk, int row)
    {
        if (!TraceState.TryGetAddress(chunk, row, _state.Keys.Ptr, out ulong ptr) || ptr == 0) return;
        long size = chunk.TryGetValue(row, _state.Keys.BytesAlloc, out long b) ? b : 0;
        var name = chunk.GetText(row, _state.Keys.Name);
        _objects[ptr] = new ObjectState { Size = size, AllocNs = chunk.TsNs[row], Cache = name.IsEmpty ? 0 : _state.NameCache.Id(name) };
    }

    void OnFree(EventChunk chunk, int row, in CpuContextView context)
    {
        if (!TraceState.TryGetAddress(chunk, row, _state.Keys.Ptr, out ulong ptr) || ptr == 0) return;
        // Only live objects are kept: a free of a pointer not live is counted, never flagged — real 6.18 traces free slab
        // pointers twice with no kmem event between because bulk and sheaf allocations are untraced, so without an
        // independent witness (kprobe, KASAN) a refree proves an untraced allocation, not a double free.
        if (!_objects.Remove(ptr))
            _unknownFrees++;
    }

    // ---------------------------------------------------------------- memcgs

    string CgroupKey(EventChunk chunk, int row)
    {
        long root = chunk.TryGetValue(row, _state.Keys.Root, out long r) ? r : -1;
        long id = chunk.TryGetValue(row, _state.Keys.Id, out long i) ? i : -1;
        return $"{root}:{id}";
    }

    void OnMemcgCreate(string key, long ts) => _memcgs[key] = new Lifetime(key, ts);

    void OnMemcgStage(string key, EventChunk chunk, int row, in CpuContextView context, bool dying)
    {
        if (!_memcgs.TryGetValue(key, out var l)) return; // created before the trace
        if (l.FreedNs >= 0)
        {
            _anomalies.Add(new Anomaly(AnomalyKind.UseAfterFree, "memcg", key, chunk.TsNs[row], context.Cpu,
                $"{_names[chunk.Event[row]]} on memcg {key} freed at {l.FreedNs} ns: {_state.Ref(chunk, row, context).Describe(_names)}", l.FreedNs));
            return;
        }
        if (dying && l.DyingNs < 0) l.DyingNs = chunk.TsNs[row];
    }

    void OnMemcgFree(string key, EventChunk chunk, int row, in CpuContextView context)
    {
        if (!_memcgs.TryGetValue(key, out var l)) return;
        if (l.FreedNs >= 0)
        {
            _anomalies.Add(new Anomaly(AnomalyKind.DoubleFree, "memcg", key, chunk.TsNs[row], context.Cpu,
                $"memcg {key} freed again ({_names[chunk.Event[row]]}) after its free at {l.FreedNs} ns: {_state.Ref(chunk, row, context).Describe(_names)}", l.FreedNs));
            return;
        }
        l.FreedNs = chunk.TsNs[row];
    }

    // ---------------------------------------------------------------- function-level lifetimes (kprobes, graph, function tracer)

    void OnCall(EventChunk chunk, int row, in CpuContextView context)
    {
        int fn = _state.RowFunction;
        int task = TraceState.TaskKey(context);
        int previous = _lastFunction.GetValueOrDefault(task);
        if (chunk.Kind[row] == EventKind.Function) _lastFunction[task] = fn;
        if (fn == _kmemCacheCreate)
            _createInFlight[task] = (CacheArgKey(chunk, row), chunk.TsNs[row]);
        else if (fn == _kmemCacheDestroy)
            OnCacheDestroyStart(chunk, row, context);
        else if (fn == _cleanupParams && (_destroying.TryGetValue(task, out var d) && d.Count > 0
                                          || chunk.Kind[row] == EventKind.Function && _state.RowCaller == _kmemCacheDestroy))
            // kmem_cache_destroy set refcount 0 and memcg_cleanup_cache_params drops slab_mutex: the cache is still on
            // slab_caches and find_mergeable() can hand it to a concurrent kmem_cache_create (kernel.md §2.3).
            _doomedWindows[task] = (chunk.TsNs[row], d is { Count: > 0 } ? d[0] : "", context.Pid);
        else if (fn == _shutdown && _doomedWindows.ContainsKey(task) && IsRootShutdown(chunk, row, context, previous))
            _doomedWindows.Remove(task);
        else if (fn == _alias && chunk.Kind[row] != EventKind.Kprobe && _doomedWindows.Count > 0)
            OnAliasWithoutReturnValue(chunk, row, context, task);
        else if ((fn == _memcgCreate || fn == _memcgCreate38) && MemcgArgKey(chunk, row) is { Length: > 0 } mk)
            OnMemcgCreate(mk, chunk.TsNs[row]);
        else if (fn == _memcgFree && MemcgArgKey(chunk, row) is { Length: > 0 } fk)
            OnMemcgFree(fk, chunk, row, context);
    }

    /// <summary>The root cache's own shutdown (after its clones): the graph stack holds one destroy frame, or the function
    /// tracer's previous call on the task was not a (clone's) kmem_cache_destroy.</summary>
    bool IsRootShutdown(EventChunk chunk, int row, in CpuContextView context, int previousFunction)
    {
        if (chunk.Kind[row] == EventKind.Function)
            return previousFunction != _kmemCacheDestroy;
        int destroys = 0;
        foreach (var f in _state.Stack(context))
            if (f.Function == _kmemCacheDestroy) destroys++;
        return destroys <= 1;
    }

    void OnAliasWithoutReturnValue(EventChunk chunk, int row, in CpuContextView context, int task)
    {
        foreach (var (owner, w) in _doomedWindows)
        {
            if (owner == task) continue;
            _aliasCandidates[task] = (chunk.Kind[row] != EventKind.Function, _state.Ref(chunk, row, context), w.SinceNs, w.Key, w.Pid);
            return;
        }
    }

    /// <summary>
    /// Without return values, __kmem_cache_alias found a cache exactly when kmem_cache_create then allocates no new
    /// struct kmem_cache (a kmem_cache_alloc on the task). Function tracer: the task's next event decides and dates the
    /// return; function_graph: the return of kmem_cache_create does.
    /// </summary>
    void ResolveAliasCandidate(EventChunk chunk, int row, in CpuContextView context)
    {
        int task = TraceState.TaskKey(context);
        if (!_aliasCandidates.TryGetValue(task, out var c) || _state.RowFunction == _alias && _state.Row is RowType.CallEntry or RowType.CallLeaf)
            return;
        if (_state.Row == RowType.KmemCacheAlloc)
        {
            _aliasCandidates.Remove(task);
            return;
        }
        if (c.Graph && !(_state.Row == RowType.CallExit && _state.RowFunction == _kmemCacheCreate))
            return;
        _aliasCandidates.Remove(task);
        string key = c.DoomedKey.Length > 0 ? c.DoomedKey : $"doomed-by-pid-{c.DoomedPid}";
        _anomalies.Add(new Anomaly(AnomalyKind.Alias, "kmem_cache", key, chunk.TsNs[row], context.Cpu,
            $"kmem_cache_create aliased (__kmem_cache_alias found a mergeable cache at {c.Ref.TsNs} ns, no new struct kmem_cache was " +
            $"allocated) while task {c.DoomedPid}'s kmem_cache_destroy had dropped slab_mutex in memcg_cleanup_cache_params since " +
            $"{c.WindowNs} ns with the doomed cache still on slab_caches: the alias gets a cache about to be freed (fixed by " +
            $"'memcg: zap memcg_slab_caches and memcg_slab_mutex'); {c.Ref.Describe(_names)}", c.WindowNs));
    }

    void OnReturn(EventChunk chunk, int row, in CpuContextView context)
    {
        int fn = _state.RowFunction;
        int task = TraceState.TaskKey(context);
        if (fn == _kmemCacheCreate && chunk.Kind[row] == EventKind.Kretprobe)
        {
            _createInFlight.Remove(task);
            if (!TryReturnValue(chunk, row, out ulong p) || p == 0) return;
            string key = $"0x{p:x}";
            if (_caches.TryGetValue(key, out var l) && l.FreedNs < 0)
            {
                l.Refs++;
                if (l.DestroyInFlight)
                    _anomalies.Add(new Anomaly(AnomalyKind.Alias, "kmem_cache", key, chunk.TsNs[row], context.Cpu,
                        $"kmem_cache_create returned {key}, a cache whose kmem_cache_destroy (started {l.DyingNs} ns by task {l.DyingTask}) " +
                        $"already passed its refcount check and has not returned: the new user aliases a doomed cache (fixed by " +
                        $"'memcg: zap memcg_slab_caches and memcg_slab_mutex'); {_state.Ref(chunk, row, context).Describe(_names)}", l.DyingNs));
                return;
            }
            _caches[key] = new Lifetime(key, chunk.TsNs[row]);
        }
        else if (fn == _kmemCacheDestroy && _destroying.TryGetValue(task, out var stack) && stack.Count > 0)
        {
            string key = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            if (stack.Count == 0) _doomedWindows.Remove(task);
            if (_caches.TryGetValue(key, out var l) && l.DestroyInFlight)
            {
                l.DestroyInFlight = false;
                l.Refs--;
                if (l.DestroyFreed || l.Refs <= 0) l.FreedNs = chunk.TsNs[row];
            }
        }
    }

    void OnCacheDestroyStart(EventChunk chunk, int row, in CpuContextView context)
    {
        string key = CacheArgKey(chunk, row);
        int task = TraceState.TaskKey(context);
        bool hasReturn = chunk.Kind[row] != EventKind.Function && _state.Row != RowType.CallLeaf;
        if (hasReturn)
        {
            if (!_destroying.TryGetValue(task, out var stack)) _destroying[task] = stack = new List<string>(4);
            stack.Add(key);
        }
        if (key.Length == 0) return;
        if (!_caches.TryGetValue(key, out var l))
            _caches[key] = l = new Lifetime(key, -1);
        if (l.FreedNs >= 0)
        {
            _anomalies.Add(new Anomaly(AnomalyKind.DoubleFree, "kmem_cache", key, chunk.TsNs[row], context.Cpu,
                $"kmem_cache_destroy of {key}, already destroyed at {l.FreedNs} ns: {_state.Ref(chunk, row, context).Describe(_names)}", l.FreedNs));
            return;
        }
        l.DyingNs = chunk.TsNs[row];
        l.DyingTask = context.Pid;
        // A destroy of the last reference frees the cache even if a racing create took a new one meanwhile (the 3.18 bug).
        l.DestroyFreed = l.Refs <= 1;
        l.DestroyInFlight = hasReturn;
        if (!hasReturn && --l.Refs <= 0) l.FreedNs = chunk.TsNs[row];
    }

    bool TryReturnValue(EventChunk chunk, int row, out ulong value)
        => TraceState.TryGetAddress(chunk, row, _ret, out value) || TraceState.TryGetAddress(chunk, row, _arg1, out value);

    string CacheArgKey(EventChunk chunk, int row)
    {
        if (TraceState.TryGetAddress(chunk, row, _s, out ulong p) || TraceState.TryGetAddress(chunk, row, _cachep, out p)
            || TraceState.TryGetAddress(chunk, row, _arg1, out p))
            return p == 0 ? "" : $"0x{p:x}";
        return "";
    }

    string MemcgArgKey(EventChunk chunk, int row)
        => TraceState.TryGetAddress(chunk, row, _memcg, out ulong p) || TraceState.TryGetAddress(chunk, row, _arg1, out p)
            ? (p == 0 ? "" : $"0x{p:x}") : "";
}
