using TraceReplay.Synth.Model;
using TraceReplay.Synth.Truth;

namespace TraceReplay.Synth.Scenarios;

/// <summary>A kmem_cache: root or per-memcg clone ("root(id:cgroup)"), refcount, SLAB_DESTROY_BY_RCU.</summary>
public sealed class KmemCache(string name, ulong addr, int objSize, bool destroyByRcu, KmemCache? root, CssMemcg? memcg)
{
    public string Name { get; } = name;
    public ulong Addr { get; } = addr;
    public int ObjSize { get; } = objSize;
    public bool DestroyByRcu { get; } = destroyByRcu;
    public KmemCache? Root { get; } = root;
    public CssMemcg? Memcg { get; } = memcg;
    public int Refcount = 1;
    public bool OnList = true;
    public bool Destroyed;
    /// <summary>Slabs still allocated; a DESTROY_BY_RCU cache frees them through call_rcu(rcu_free_slab).</summary>
    public int Slabs = 1;
    public readonly List<KmemCache> Clones = new();
    /// <summary>Set while a kmem_cache_destroy() that passed its refcount check is running (ground truth of the race).</summary>
    public DestroyOpRecord? DoomedBy;
}

/// <summary>A css-era (3.18/3.19) memory cgroup with its per-memcg kmem caches.</summary>
public sealed class CssMemcg(int id, string name, ulong addr)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public ulong Addr { get; } = addr;
    public readonly List<KmemCache> Caches = new();
    public string Key => $"memcg:{Id}:{Name}";
}

/// <summary>
/// slab_common.c of 3.18 (before d5b3cf71: memcg_slab_mutex, one rcu_barrier per DESTROY_BY_RCU cache, slab_mutex
/// dropped in memcg_cleanup_cache_params) and of the modeled 3.19 (after: one batched rcu_barrier, all under slab_mutex).
/// </summary>
public sealed class Slab
{
    readonly Machine _m;
    readonly List<KmemCache> _caches = new();
    public SleepLock SlabMutex { get; }
    public SleepLock MemcgSlabMutex { get; }
    public SleepLock CgroupMutex { get; }

    public Slab(Machine m)
    {
        _m = m;
        SlabMutex = new SleepLock(m, new LockInstance(m.Lockdep.Class("slab_mutex"), 0xffffffff81c5a5e0UL));
        MemcgSlabMutex = new SleepLock(m, new LockInstance(m.Lockdep.Class("memcg_slab_mutex"), 0xffffffff81c4f2c0UL));
        CgroupMutex = new SleepLock(m, new LockInstance(m.Lockdep.Class("cgroup_mutex"), 0xffffffff81c4d6a0UL));
    }

    bool Batched => _m.Kernel.BatchedCacheDestroy;

    /// <summary>kmem_cache_create(): __kmem_cache_alias (find_mergeable skips only refcount &lt; 0) or a new cache.</summary>
    public IEnumerable<Wait> Create(KTask t, string name, int size, bool rcu, Action<KmemCache> result)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.KmemCacheCreate, 0xffffffffa0012000UL + (ulong)(name.Length * 0x40));
        yield return SlabMutex.Lock(t);
        SlabMutex.Acquired(c);
        c.Enter(Syms.KmemCacheAlias);
        KmemCache? alias = null;
        if (!rcu)
            foreach (var s in _caches)
                if (s.OnList && s.Root == null && s.Refcount >= 0 && !s.DestroyByRcu && s.ObjSize == size) { alias = s; break; }
        c.Exit(alias?.Addr ?? 0);
        KmemCache made;
        if (alias != null)
        {
            alias.Refcount++;
            _m.Truth.CachesMerged++;
            if (alias.DoomedBy is { } op)
                _m.Truth.Aliases.Add(new AliasRecord(c.Now, c.Id, t.Pid, alias.Name, alias.Addr, op.Op, op.OpKey, op.Pid));
            made = alias;
        }
        else
        {
            made = NewCache(c, name, size, rcu, null, null);
            _m.Truth.RootCachesCreated++;
        }
        SlabMutex.Unlock(c);
        c.Exit(made.Addr);
        result(made);
    }

    KmemCache NewCache(Cpu c, string name, int size, bool rcu, KmemCache? root, CssMemcg? memcg)
    {
        c.Enter(Syms.DoKmemCacheCreate);
        ulong addr = _m.Kmem.CacheAlloc(c, 256, "GFP_KERNEL|GFP_ZERO"u8); // struct kmem_cache from the "kmem_cache" cache
        c.Step(2_000, 6_000);
        c.Exit();
        var s = new KmemCache(name, addr, size, rcu, root, memcg);
        _caches.Add(s);
        return s;
    }

    /// <summary>memcg_kmem_cache_create_func (work): registers the clone "root(id:cgroup)" of a root cache.</summary>
    public IEnumerable<Wait> CreateClone(KTask t, KmemCache root, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.MemcgKmemCacheCreateFunc);
        if (!Batched)
        {
            yield return MemcgSlabMutex.Lock(t);
            MemcgSlabMutex.Acquired(c);
            c.Enter(Syms.MemcgRegisterCache, root.Addr);
        }
        c.Enter(Syms.MemcgCreateKmemCache, root.Addr);
        yield return SlabMutex.Lock(t);
        SlabMutex.Acquired(c);
        if (!root.Destroyed && root.OnList && !memcg.Caches.Exists(x => x.Root == root))
        {
            var clone = NewCache(c, $"{root.Name}({memcg.Id}:{memcg.Name})", root.ObjSize, root.DestroyByRcu, root, memcg);
            root.Clones.Add(clone);
            memcg.Caches.Add(clone);
            _m.Truth.CloneCachesCreated++;
        }
        SlabMutex.Unlock(c);
        c.Exit();
        if (!Batched)
        {
            c.Exit();
            MemcgSlabMutex.Unlock(c);
        }
        c.Exit();
    }

    /// <summary>kmem_cache_destroy() of a root cache, as one ground-truth destroy op.</summary>
    public IEnumerable<Wait> DestroyRoot(KTask t, KmemCache root)
    {
        var c = _m.Cpus[t.Cpu];
        var op = new DestroyOpRecord("kmem_cache_destroy", root.Name, t.Pid, c.Id, c.Now);
        t.CurrentOp = op;
        var inner = Batched ? DestroyBatched(t, root, op) : DestroyPerCache(t, root, op);
        foreach (var w in inner) yield return w;
        op.EndNs = c.Now;
        t.CurrentOp = null;
        _m.Truth.DestroyOps.Add(op);
    }

    /// <summary>3.18 kmem_cache_destroy(): refcount check, memcg_cleanup_cache_params drops slab_mutex and destroys each clone
    /// (nested kmem_cache_destroy under memcg_slab_mutex), then shutdown, list_del, rcu_barrier if DESTROY_BY_RCU, release.</summary>
    IEnumerable<Wait> DestroyPerCache(KTask t, KmemCache s, DestroyOpRecord op)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.KmemCacheDestroy, s.Addr);
        yield return SlabMutex.Lock(t);
        SlabMutex.Acquired(c);
        if (--s.Refcount > 0)
        {
            SlabMutex.Unlock(c);
            c.Exit();
            yield break;
        }
        if (s.Root == null)
        {
            s.DoomedBy = op;
            c.Enter(Syms.MemcgCleanupCacheParams, s.Addr);
            SlabMutex.Unlock(c); // the window: s is still on slab_caches with refcount 0
            yield return MemcgSlabMutex.Lock(t);
            MemcgSlabMutex.Acquired(c);
            foreach (var clone in s.Clones.ToArray())
            {
                if (clone.Destroyed) continue;
                c.Enter(Syms.MemcgUnregisterCache, clone.Addr);
                foreach (var w in DestroyPerCache(t, clone, op)) yield return w;
                c.Exit();
            }
            MemcgSlabMutex.Unlock(c);
            yield return SlabMutex.Lock(t);
            SlabMutex.Acquired(c);
            c.Exit();
        }
        Shutdown(c, s);
        s.OnList = false;
        _caches.Remove(s);
        SlabMutex.Unlock(c);
        if (s.DestroyByRcu)
            foreach (var w in _m.Rcu.Barrier(t)) yield return w;
        yield return SysfsRemove(c);
        Release(c, s, op);
        c.Exit();
    }

    /// <summary>sysfs_slab_remove: kobject teardown, the slow part of a destroy (keeps the 3.18 race window realistic).</summary>
    Wait SysfsRemove(Cpu c)
    {
        c.Enter(Syms.SysfsSlabRemove);
        c.Step(1_000, 3_000);
        c.Exit();
        return Wait.Busy(_m.Rng.Range(15_000, 40_000));
    }

    /// <summary>Modeled 3.19 (d5b3cf71): everything under slab_mutex, shutdown clones then root, one rcu_barrier, release.</summary>
    IEnumerable<Wait> DestroyBatched(KTask t, KmemCache root, DestroyOpRecord op)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.KmemCacheDestroy, root.Addr);
        yield return SlabMutex.Lock(t);
        SlabMutex.Acquired(c);
        if (--root.Refcount > 0)
        {
            SlabMutex.Unlock(c);
            c.Exit();
            yield break;
        }
        var release = new List<KmemCache>();
        bool needBarrier = false;
        foreach (var clone in root.Clones)
            if (!clone.Destroyed && clone.OnList)
                needBarrier |= ShutdownForRelease(c, clone, release);
        needBarrier |= ShutdownForRelease(c, root, release);
        SlabMutex.Unlock(c);
        foreach (var w in ReleaseBatch(t, release, needBarrier, op)) yield return w;
        c.Exit();
    }

    bool ShutdownForRelease(Cpu c, KmemCache s, List<KmemCache> release)
    {
        c.Enter(Syms.DoKmemCacheShutdown, s.Addr);
        Shutdown(c, s);
        s.OnList = false;
        _caches.Remove(s);
        release.Add(s);
        c.Exit();
        return s.DestroyByRcu;
    }

    IEnumerable<Wait> ReleaseBatch(KTask t, List<KmemCache> release, bool needBarrier, DestroyOpRecord op)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.DoKmemCacheRelease);
        if (needBarrier)
            foreach (var w in _m.Rcu.Barrier(t)) yield return w;
        foreach (var s in release)
        {
            yield return SysfsRemove(c);
            Release(c, s, op);
        }
        c.Exit();
    }

    /// <summary>__kmem_cache_shutdown: frees the slabs; SLAB_DESTROY_BY_RCU slabs go through call_rcu(rcu_free_slab).</summary>
    void Shutdown(Cpu c, KmemCache s)
    {
        c.Enter(Syms.KmemCacheShutdown, s.Addr);
        c.Enter(Syms.DiscardSlab);
        for (int i = 0; i < s.Slabs; i++)
        {
            if (s.DestroyByRcu)
                _m.Rcu.CallRcu(c, _m.Kmem.NewAddr(64) + 0x30, Syms.RcuFreeSlab, null);
            else
                c.Step(300, 900);
        }
        s.Slabs = 0;
        c.Exit();
        c.Exit();
    }

    void Release(Cpu c, KmemCache s, DestroyOpRecord op)
    {
        c.Enter(Syms.SlabKmemCacheRelease, s.Addr);
        _m.Kmem.CacheFree(c, s.Addr);
        c.Exit();
        s.Destroyed = true;
        s.Memcg?.Caches.Remove(s);
        op.CachesDestroyed++;
        if (s.DestroyByRcu) op.RcuCaches++;
        _m.Truth.CachesDestroyed++;
        if (s.Root == null) _m.Truth.RootCachesDestroyed++; else _m.Truth.CloneCachesDestroyed++;
    }

    /// <summary>The memcg free's cache teardown as one destroy op: 3.18 memcg_unregister_all_caches (a destroy per clone),
    /// 3.19 memcg_destroy_kmem_caches (one batch, ≤ 1 rcu_barrier).</summary>
    public IEnumerable<Wait> DestroyMemcgCaches(KTask t, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        var op = new DestroyOpRecord(Batched ? "memcg_destroy_kmem_caches" : "memcg_unregister_all_caches", memcg.Key, t.Pid, c.Id, c.Now);
        t.CurrentOp = op;
        if (Batched)
        {
            c.Enter(Syms.MemcgDestroyKmemCaches, memcg.Addr);
            yield return SlabMutex.Lock(t);
            SlabMutex.Acquired(c);
            var release = new List<KmemCache>();
            bool need = false;
            foreach (var s in memcg.Caches.ToArray())
                if (!s.Destroyed && s.OnList)
                {
                    s.Root?.Clones.Remove(s);
                    need |= ShutdownForRelease(c, s, release);
                }
            SlabMutex.Unlock(c);
            foreach (var w in ReleaseBatch(t, release, need, op)) yield return w;
            c.Exit();
        }
        else
        {
            c.Enter(Syms.MemcgUnregisterAllCaches, memcg.Addr);
            yield return MemcgSlabMutex.Lock(t);
            MemcgSlabMutex.Acquired(c);
            foreach (var s in memcg.Caches.ToArray())
            {
                if (s.Destroyed) continue;
                c.Enter(Syms.MemcgUnregisterCache, s.Addr);
                s.Root?.Clones.Remove(s);
                foreach (var w in DestroyPerCache(t, s, op)) yield return w;
                c.Exit();
            }
            MemcgSlabMutex.Unlock(c);
            c.Exit();
        }
        op.EndNs = c.Now;
        t.CurrentOp = null;
        _m.Truth.DestroyOps.Add(op);
    }

    /// <summary>Objects allocated and freed from a cache by a task (kmem_cache_alloc / kmem_cache_free events).</summary>
    public void UseCache(Cpu c, KmemCache s, int objects)
    {
        for (int i = 0; i < objects; i++)
        {
            ulong p = _m.Kmem.CacheAlloc(c, s.ObjSize, "GFP_KERNEL"u8);
            c.Step(300, 1_500);
            _m.Kmem.CacheFree(c, p);
        }
        if (s.Slabs == 0) s.Slabs = 1;
    }
}
