using TraceReplay.Core.Interning;
using System.Globalization;
using TraceReplay.Core.Events;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Replay.Tracking;

/// <summary>
/// cgroup and memcg lifetimes (shared kernel notes §1). 6.x chain per css: css_killed_work_fn (offline) →
/// css_release_work_fn (released) → css_free_rwork_fn (freed); older kernels css_free_work_fn, and function tracer /
/// function_graph / kprobe rows for mem_cgroup_css_alloc/offline/released/free, __mem_cgroup_free, free_work, free_rcu.
/// Linking, most to least certain:
/// 1. cgroup_mkdir/rmdir/release by (root, id);
/// 2. the same work-struct pointer (kill → release reuse css->destroy_work);
/// 3. the work running on the CPU when a stage is queued or a function row appears (the self css's release is queued
///    by cgroup_put() inside the subsystem css's free work; cgroup_release fires inside the self css's release work);
/// 4. raw (unhashed) pointers: destroy_rwork lies a few bytes after destroy_work in the same css;
/// 5. ordered fallback (FIFO): the k-th css_killed_work_fn after rmdirs belongs to the k-th rmdir'd cgroup, and the
///    k-th css_free_*work_fn queued belongs to the k-th css whose release work ran (RCU keeps that order per CPU).
/// A subsystem css is a memcg when its free work frees memcg structures (obj_cgroup_release, mem_cgroup_*, shrinker
/// info) or its root is listed in ReplayOptions.MemcgRoots; its root is then taken as the memory hierarchy.
/// </summary>
internal sealed class CgroupTracker
{
    sealed class Cgroup
    {
        public int Root;
        public long Id;
        public required string Key;
        public long MkdirNs = -1;
        public required Lifetime Self;
        public Css? SubsysCss;
        /// <summary>Raw addresses of struct cgroup and struct mem_cgroup allocated by this mkdir (0 when hashed/unseen).</summary>
        public ulong CgroupPtr, MemcgPtr;
    }

    sealed class Css
    {
        public required Lifetime Lt;
        public Cgroup? Group;
        public bool IsSelf;
        public bool MemcgEvidence;
        public ulong DestroyWork;
        public bool FromFunctions;
        /// <summary>For a self css: the subsystem css whose free work queued its release (cgroup_put).</summary>
        public Css? Parent;
    }

    readonly ReplayShared _shared;
    readonly LifetimeTable _table;
    readonly Dictionary<(int, long), Cgroup> _byId = new();
    readonly List<Cgroup> _groups = new();
    readonly List<Cgroup> _awaitingKill = new();
    readonly Dictionary<int, ulong> _cgroupAllocByPid = new();
    readonly Dictionary<int, ulong> _memcgAllocByPid = new();
    readonly Dictionary<ulong, Css> _byWork = new();
    readonly LinkedList<Css> _awaitingFree = new();
    readonly List<Css> _orphans = new();
    readonly List<Css> _memcgOrder = new();
    readonly Dictionary<int, Css> _allocByPid = new();
    readonly HashSet<int> _memoryRoots;
    readonly int _cssKilled, _cssRelease, _cssFreeRwork, _cssFreeWork;
    long _fifoLinks, _pointerLinks, _relinks;
    int _memcgSerial;

    public CgroupTracker(ReplayShared shared, LifetimeTable table)
    {
        _shared = shared;
        _table = table;
        _memoryRoots = new HashSet<int>(shared.Options.MemcgRoots);
        var n = shared.Names;
        _cssKilled = n.Intern("css_killed_work_fn");
        _cssRelease = n.Intern("css_release_work_fn");
        _cssFreeRwork = n.Intern("css_free_rwork_fn");
        _cssFreeWork = n.Intern("css_free_work_fn");
    }

    public void OnEvent(EventChunk chunk, int r, EventRole role, in CpuContextView view)
    {
        switch (role)
        {
            case EventRole.CgroupMkdir: Mkdir(chunk, r, view); break;
            case EventRole.CgroupRmdir: Rmdir(chunk, r, view); break;
            case EventRole.CgroupRelease: Release(chunk, r, view); break;
            case EventRole.WorkQueue: Queue(chunk, r, view); break;
            case EventRole.WorkStart: Start(chunk, r, view); break;
            case EventRole.WorkEnd: EndWork(chunk, r, view); break;
            case EventRole.Function or EventRole.GraphEntry or EventRole.Kprobe: Function(chunk, r, view); break;
            case EventRole.Stack:
                Evidence(chunk.GetText(r, chunk.Kind[r] == EventKind.Stack ? _shared.Ids.StackField : _shared.Ids.CallSite), view);
                break;
        }
    }

    public void OnKmem(EventChunk chunk, int r, EventRole role, in KmemFields fields, in CpuContextView view)
    {
        switch (role)
        {
            case EventRole.KmemCacheFree or EventRole.Kfree:
                if (view.WorkStruct != 0) Evidence(KmemFields.Text(chunk, fields.CallSite), view);
                break;
            case EventRole.KmemCacheAlloc or EventRole.Kmalloc: Alloc(chunk, fields, view); break;
        }
    }

    // ---- cgroup tracepoints ------------------------------------------------------------------------------------

    Cgroup? Group(EventChunk chunk, int r, bool create, long ts)
    {
        var ids = _shared.Ids;
        if (!chunk.TryGetValue(r, ids.Root, out long root) || !chunk.TryGetValue(r, ids.Id, out long id)) return null;
        if (_byId.TryGetValue(((int)root, id), out var g)) return g;
        if (!create) return null;
        string path = System.Text.Encoding.UTF8.GetString(chunk.GetText(r, ids.Path));
        string key = root.ToString(CultureInfo.InvariantCulture) + ":" + id.ToString(CultureInfo.InvariantCulture) + ":" + path;
        g = new Cgroup { Root = (int)root, Id = id, Key = key, Self = new Lifetime("cgroup", key) };
        _byId[((int)root, id)] = g;
        _groups.Add(g);
        return g;
    }

    void Mkdir(EventChunk chunk, int r, in CpuContextView view)
    {
        long ts = chunk.TsNs[r];
        var g = Group(chunk, r, true, ts);
        if (g == null) return;
        g.MkdirNs = ts;
        g.Self.CreatedNs = ts;
        g.Self.AddStage(StageOf("mkdir", ts, view, 0, 0));
        if (_cgroupAllocByPid.Remove(view.Pid, out ulong cgPtr)) g.CgroupPtr = cgPtr;
        if (_memcgAllocByPid.Remove(view.Pid, out ulong memcgPtr))
        {
            // This mkdir allocated a struct mem_cgroup: the hierarchy carries the memory controller.
            g.MemcgPtr = memcgPtr;
            _memoryRoots.Add(g.Root);
        }
        // mem_cgroup_css_alloc seen (function rows) in this mkdir: that css is this cgroup's memcg.
        if (_allocByPid.Remove(view.Pid, out var css))
        {
            _orphans.Remove(css);
            Attach(g, css);
            css.MemcgEvidence = true;
            _memoryRoots.Add(g.Root);
        }
    }

    void Rmdir(EventChunk chunk, int r, in CpuContextView view)
    {
        long ts = chunk.TsNs[r];
        var g = Group(chunk, r, true, ts)!;
        if (g == null) return;
        g.Self.Dying = true;
        g.Self.OfflinedNs = ts;
        var stage = StageOf("rmdir", ts, view, 0, 0);
        g.Self.AddStage(stage);
        if (g.SubsysCss == null)
            _awaitingKill.Add(g);
    }

    void Release(EventChunk chunk, int r, in CpuContextView view)
    {
        long ts = chunk.TsNs[r];
        var g = Group(chunk, r, true, ts);
        if (g == null) return;
        // cgroup_release fires inside the self css's css_release_work_fn: adopt what that work's css recorded.
        if (view.WorkStruct != 0 && _byWork.TryGetValue(view.WorkStruct, out var css))
        {
            if (css.Group == null)
            {
                _orphans.Remove(css);
                MergeInto(g.Self, css.Lt);
                css.Lt = g.Self;
                css.Group = g;
                css.IsSelf = true;
            }
            // The subsystem css whose free work released this cgroup belongs to it: repair an ordered-fallback link.
            if (css.Parent is { } parent && parent.Group != g)
            {
                _relinks++;
                var other = g.SubsysCss;
                var oldGroup = parent.Group;
                if (oldGroup != null) oldGroup.SubsysCss = other;
                if (other != null) other.Group = oldGroup;
                g.SubsysCss = parent;
                parent.Group = g;
            }
        }
        if (g.Self.ReleasedNs < 0) g.Self.ReleasedNs = ts;
        g.Self.AddStage(StageOf("cgroup_release", ts, view, 0, view.WorkStruct));
    }

    static void Attach(Cgroup g, Css css)
    {
        g.SubsysCss = css;
        css.Group = g;
    }

    /// <summary>Gives a subsystem css its cgroup's key, creation and the mkdir/rmdir stages (done at the end, so a
    /// repaired link moves them along).</summary>
    static void Finish(Cgroup g, Css css)
    {
        var lt = css.Lt;
        lt.Key = g.Key;
        if (g.MkdirNs >= 0) lt.CreatedNs = g.MkdirNs;
        if (g.Self.Dying) lt.Dying = true;
        var own = lt.Stages;
        lt.Stages = null;
        if (g.Self.Stages != null)
            foreach (var s in g.Self.Stages)
                if (s.Name is "mkdir" or "rmdir") lt.AddStage(s);
        if (own != null)
            foreach (var s in own) lt.AddStage(s);
    }

    void Alloc(EventChunk chunk, in KmemFields fields, in CpuContextView view)
    {
        if (!KmemFields.TryGetValue(chunk, fields.Ptr, out long p) || !ReplayShared.IsRawKernelPointer((ulong)p)) return;
        var site = KmemFields.Text(chunk, fields.CallSite);
        if (site.StartsWith("cgroup_mkdir+"u8))
            _cgroupAllocByPid[view.Pid] = (ulong)p;
        else if ((site.StartsWith("mem_cgroup_css_alloc+"u8) || site.StartsWith("mem_cgroup_alloc+"u8))
                 && !_memcgAllocByPid.ContainsKey(view.Pid))
            _memcgAllocByPid[view.Pid] = (ulong)p; // the first allocation there is the struct mem_cgroup itself
    }

    /// <summary>With raw pointers, a css's destroy_work lies inside the struct its mkdir allocated.</summary>
    static Cgroup? ByPointer(List<Cgroup> candidates, ulong work, bool self)
    {
        if (!ReplayShared.IsRawKernelPointer(work)) return null;
        Cgroup? best = null;
        ulong bestGap = ulong.MaxValue;
        foreach (var g in candidates)
        {
            ulong basePtr = self ? g.CgroupPtr : g.MemcgPtr;
            if (basePtr == 0 || work < basePtr) continue;
            ulong gap = work - basePtr;
            if (gap <= 1024 && gap < bestGap) { best = g; bestGap = gap; }
        }
        return best;
    }

    static void MergeInto(Lifetime target, Lifetime source)
    {
        if (target.ReleasedNs < 0) target.ReleasedNs = source.ReleasedNs;
        if (source.FreeRank > target.FreeRank)
        {
            target.FreeRank = source.FreeRank;
            target.FreedNs = source.FreedNs;
            target.FreeCpu = source.FreeCpu;
            target.FreeContext = source.FreeContext;
            target.FreeComm = source.FreeComm;
            target.FreeFunction = source.FreeFunction;
        }
        if (source.Stages != null)
            foreach (var s in source.Stages) target.AddStage(s);
        if (target.Stages != null) SortByTime(target.Stages);
    }

    /// <summary>Stable sort by time, in place (a lifetime has a handful of stages; LINQ's OrderBy over this struct was
    /// ~20 methods to JIT per run).</summary>
    static void SortByTime(List<Stage> stages)
    {
        for (int i = 1; i < stages.Count; i++)
        {
            var s = stages[i];
            int j = i - 1;
            while (j >= 0 && stages[j].Ns > s.Ns)
            {
                stages[j + 1] = stages[j];
                j--;
            }
            stages[j + 1] = s;
        }
    }

    // ---- work items --------------------------------------------------------------------------------------------

    void Queue(EventChunk chunk, int r, in CpuContextView view)
    {
        int fn = FieldId(chunk, r, _shared.Ids.Function);
        if (fn != _cssKilled && fn != _cssRelease && fn != _cssFreeRwork && fn != _cssFreeWork) return;
        ulong work = chunk.TryGetValue(r, _shared.Ids.Work, out long w) ? (ulong)w : 0;
        long ts = chunk.TsNs[r];
        Css? css;
        if (fn == _cssKilled)
        {
            css = NewCss(work, ts);
            _memcgOrder.Add(css);
            var g = ByPointer(_awaitingKill, work, self: false);
            if (g != null) _pointerLinks++;
            else if (_awaitingKill.Count > 0) { g = _awaitingKill[0]; _fifoLinks++; }
            if (g != null)
            {
                _awaitingKill.Remove(g);
                _orphans.Remove(css);
                Attach(g, css);
            }
            css.DestroyWork = work;
            _byWork[work] = css;
            css.Lt.AddStage(StageOf("offline_queued", ts, view, fn, work));
            return;
        }
        if (fn == _cssRelease)
        {
            if (!_byWork.TryGetValue(work, out css))
            {
                css = NewCss(work, ts);
                // cgroup_put() at the end of a subsystem css's free work releases the cgroup's self css.
                if (view.WorkStruct != 0 && _byWork.TryGetValue(view.WorkStruct, out var parent) && !parent.IsSelf)
                    css.Parent = parent;
                // Only a raw-pointer match links now; otherwise cgroup_release (emitted inside this work) or, failing
                // that, the parent css's cgroup at the end decides.
                var g = ByPointer(_groups, work, self: true);
                if (g != null) _pointerLinks++;
                if (g != null && g.Self.ReleasedNs < 0)
                {
                    _orphans.Remove(css);
                    MergeInto(g.Self, css.Lt);
                    css.Lt = g.Self;
                    css.Group = g;
                    css.IsSelf = true;
                }
                _byWork[work] = css;
            }
            css.DestroyWork = work;
            css.Lt.AddStage(StageOf("release_queued", ts, view, fn, work));
            return;
        }
        // css_free_rwork_fn / css_free_work_fn: queued from an RCU callback after the release work ran.
        css = MatchFree(work);
        if (css == null)
            css = NewCss(work, ts);
        _byWork[work] = css;
        css.Lt.AddStage(StageOf("free_queued", ts, view, fn, work));
    }

    Css? MatchFree(ulong work)
    {
        if (_awaitingFree.Count == 0) return null;
        LinkedListNode<Css>? best = null;
        if (ReplayShared.IsRawKernelPointer(work))
        {
            ulong bestGap = ulong.MaxValue;
            for (var n = _awaitingFree.First; n != null; n = n.Next)
            {
                ulong gap = work - n.Value.DestroyWork;
                if (work > n.Value.DestroyWork && gap <= 256 && gap < bestGap) { best = n; bestGap = gap; }
            }
            if (best != null) _pointerLinks++;
        }
        if (best == null)
        {
            best = _awaitingFree.First!;
            _fifoLinks++;
        }
        _awaitingFree.Remove(best);
        return best.Value;
    }

    void Start(EventChunk chunk, int r, in CpuContextView view)
    {
        ulong work = view.WorkStruct;
        int fn = view.WorkFunction;
        if (work == 0 || !_byWork.TryGetValue(work, out var css)) return;
        long ts = chunk.TsNs[r];
        if (fn == _cssKilled)
        {
            if (css.Lt.OfflinedNs < 0) css.Lt.OfflinedNs = ts;
            css.Lt.Dying = true;
            css.Lt.AddStage(StageOf("offline", ts, view, fn, work));
        }
        else if (fn == _cssRelease)
        {
            if (!css.IsSelf || css.Lt.ReleasedNs < 0) css.Lt.ReleasedNs = ts;
            css.Lt.Dying = true;
            css.Lt.AddStage(StageOf("released", ts, view, fn, work));
            _awaitingFree.AddLast(css);
        }
        else if (fn == _cssFreeRwork || fn == _cssFreeWork)
        {
            css.Lt.SetFree(0, ts, view, fn);
            css.Lt.AddStage(StageOf("free", ts, view, fn, work));
        }
    }

    void EndWork(EventChunk chunk, int r, in CpuContextView view)
    {
        ulong work = view.WorkStruct;
        if (work == 0 || !_byWork.TryGetValue(work, out var css)) return;
        int fn = view.WorkFunction;
        if (fn == _cssRelease || fn == _cssFreeRwork || fn == _cssFreeWork)
            _byWork.Remove(work);
        if (fn == _cssFreeRwork || fn == _cssFreeWork)
        {
            css.Lt.AddStage(StageOf("free_done", chunk.TsNs[r], view, fn, work));
            // The self css is freed last: the cgroup and its css are complete, write them out and forget them.
            if (css.IsSelf && css.Group is { } g && (g.SubsysCss == null || g.SubsysCss.Lt.FreeRank >= 0))
                Retire(g);
            else if (css.Group == null && !css.IsSelf && css.Parent == null)
            {
                // A css never tied to a cgroup (its rmdir was before the trace, or another hierarchy): complete, write it.
                _orphans.Remove(css);
                _memcgOrder.Remove(css);
                css.Lt.Kind = css.MemcgEvidence ? "memcg" : "css";
                _table.Emit(css.Lt);
            }
        }
    }

    void Retire(Cgroup g)
    {
        _byId.Remove((g.Root, g.Id));
        _groups.Remove(g);
        _awaitingKill.Remove(g);
        if (g.SubsysCss != null) _memcgOrder.Remove(g.SubsysCss);
        EmitGroup(g);
    }

    Css NewCss(ulong work, long ts)
    {
        var css = new Css { Lt = new Lifetime("css", "work:" + ReplayShared.Hex(work)) };
        _orphans.Add(css);
        return css;
    }

    // ---- memcg evidence and function rows ----------------------------------------------------------------------

    /// <summary>A stack or call site inside a css free work that frees memcg structures marks that css a memcg.</summary>
    void Evidence(ReadOnlySpan<byte> text, in CpuContextView view)
    {
        if (view.WorkStruct == 0 || !_byWork.TryGetValue(view.WorkStruct, out var css) || css.IsSelf || css.MemcgEvidence) return;
        if (view.WorkFunction != _cssFreeRwork && view.WorkFunction != _cssFreeWork) return;
        if (IsMemcgFunctionText(text))
        {
            css.MemcgEvidence = true;
            if (css.Group != null) _memoryRoots.Add(css.Group.Root);
        }
    }

    static bool IsMemcgFunctionText(ReadOnlySpan<byte> text) =>
        text.IndexOf("mem_cgroup"u8) >= 0 || text.IndexOf("obj_cgroup"u8) >= 0 || text.IndexOf("memcg"u8) >= 0
        || text.IndexOf("shrinker_info"u8) >= 0;

    void Function(EventChunk chunk, int r, in CpuContextView view)
    {
        var fn = FunctionName.Of(chunk, r, _shared.Ids);
        if (fn.IsEmpty || (fn.IndexOf("mem_cgroup"u8) < 0 && !fn.SequenceEqual("free_work"u8) && !fn.SequenceEqual("free_rcu"u8))) return;
        long ts = chunk.TsNs[r];
        int fnId = _shared.NameCache.Id(fn);
        if (fn.SequenceEqual("mem_cgroup_create"u8) || fn.SequenceEqual("mem_cgroup_css_alloc"u8))
        {
            var css = NewCss(0, ts);
            _memcgOrder.Add(css);
            css.FromFunctions = true;
            css.MemcgEvidence = true;
            css.Lt.Key = "memcg#" + (++_memcgSerial).ToString(CultureInfo.InvariantCulture);
            css.Lt.CreatedNs = ts;
            css.Lt.AddStage(StageOf("alloc", ts, view, fnId, 0));
            _allocByPid[view.Pid] = css;
            return;
        }
        int rank;
        string stage;
        if (fn.SequenceEqual("mem_cgroup_css_offline"u8) || fn.SequenceEqual("mem_cgroup_pre_destroy"u8)) { stage = "offline"; rank = -1; }
        else if (fn.SequenceEqual("mem_cgroup_css_released"u8)) { stage = "released"; rank = -1; }
        else if (fn.SequenceEqual("free_rcu"u8)) { stage = "free_rcu"; rank = -1; }
        else if (fn.SequenceEqual("mem_cgroup_css_free"u8) || fn.SequenceEqual("mem_cgroup_destroy"u8)) { stage = "css_free"; rank = 1; }
        else if (fn.SequenceEqual("free_work"u8)) { stage = "free_work"; rank = 2; }
        else if (fn.SequenceEqual("__mem_cgroup_free"u8)) { stage = "mem_cgroup_free"; rank = 3; }
        else return;

        Css? target = null;
        if (view.WorkStruct != 0 && _byWork.TryGetValue(view.WorkStruct, out var running) && !running.IsSelf)
            target = running;
        target ??= Oldest(stage, rank);
        if (target == null)
        {
            target = NewCss(0, ts);
            _memcgOrder.Add(target);
            target.FromFunctions = true;
            target.Lt.Key = "memcg#" + (++_memcgSerial).ToString(CultureInfo.InvariantCulture);
        }
        target.MemcgEvidence = true;
        if (target.Group != null) _memoryRoots.Add(target.Group.Root);
        var lt = target.Lt;
        lt.AddStage(StageOf(stage, ts, view, fnId, view.WorkStruct));
        switch (stage)
        {
            case "offline": if (lt.OfflinedNs < 0) lt.OfflinedNs = ts; lt.Dying = true; break;
            case "released": if (lt.ReleasedNs < 0) lt.ReleasedNs = ts; lt.Dying = true; break;
            case "free_rcu": lt.Dying = true; break;
            default: lt.SetFree(rank, ts, view, fnId); break;
        }
    }

    /// <summary>Ordered fallback for function rows outside any linked work: the oldest memcg lacking this stage,
    /// preferring ones already dying.</summary>
    Css? Oldest(string stage, int rank)
    {
        Css? any = null;
        foreach (var css in _memcgOrder)
        {
            if (css.IsSelf || (css.Group != null && !css.MemcgEvidence && !_memoryRoots.Contains(css.Group.Root) && !css.FromFunctions)) continue;
            var lt = css.Lt;
            bool lacks = stage switch
            {
                "offline" => lt.OfflinedNs < 0,
                "released" => lt.ReleasedNs < 0,
                "free_rcu" => lt.FreedNs < 0,
                _ => lt.FreeRank < rank,
            };
            if (!lacks) continue;
            if (lt.Dying) { _fifoLinks++; return css; }
            any ??= css;
        }
        if (any != null) _fifoLinks++;
        return any;
    }

    static Stage StageOf(string name, long ts, in CpuContextView view, int fn, ulong work)
        => new(name, ts, view.Cpu, view.Context, view.Pid, view.Comm, fn, work);

    int FieldId(EventChunk chunk, int r, int key)
    {
        int f = chunk.FindField(r, key);
        return f < 0 ? 0 : _shared.NameCache.Id(chunk.FieldText(f));
    }

    // ---- end -----------------------------------------------------------------------------------------------------

    public void End()
    {
        // Self css releases never confirmed by cgroup_release: fall back to the cgroup of the css whose free work queued them.
        foreach (var css in _orphans.ToArray())
        {
            if (css.Parent?.Group is not { } pg || pg.Self.ReleasedNs >= 0 && pg.Self.FreeRank >= 0) continue;
            _fifoLinks++;
            _orphans.Remove(css);
            MergeInto(pg.Self, css.Lt);
            css.Lt = pg.Self;
            css.Group = pg;
            css.IsSelf = true;
        }
        foreach (var g in _groups)
            EmitGroup(g);
        foreach (var css in _orphans)
        {
            if (css.IsSelf) continue;
            css.Lt.Kind = css.MemcgEvidence ? "memcg" : "css";
            _table.Emit(css.Lt);
        }
    }

    void EmitGroup(Cgroup g)
    {
        _table.Emit(g.Self);
        var css = g.SubsysCss;
        if (css == null)
        {
            if (!_memoryRoots.Contains(g.Root)) return;
            // A memory-hierarchy cgroup whose css stages were not seen (still alive, or dying without a kill).
            css = new Css { Lt = new Lifetime("memcg", g.Key) };
            Attach(g, css);
        }
        Finish(g, css);
        css.Lt.Kind = css.MemcgEvidence || _memoryRoots.Contains(g.Root) ? "memcg" : "css";
        _table.Emit(css.Lt);
    }

    public void AddCounts(SummaryCounts counts)
    {
        foreach (var s in new[] { "memcg_alive", "memcg_dying", "memcg_freed", "cgroup_alive", "cgroup_dying", "cgroup_freed" })
            counts.Set(s, _table.StatusCounts.GetValueOrDefault(s));
        counts.Set("lifetime_fifo_links", _fifoLinks);
        counts.Set("lifetime_pointer_links", _pointerLinks);
        counts.Set("lifetime_relinks", _relinks);
    }
}
