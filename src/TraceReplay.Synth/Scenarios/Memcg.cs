using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Scenarios;

/// <summary>A memory cgroup: css id, address, 3.x refcount (mem_cgroup_get/put) and kmem charges.</summary>
public sealed class Memcg(int id, string name, ulong addr)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public ulong Addr { get; } = addr;
    public int Refcnt;
    public bool Dead;
    public bool KmemRef;
    public int KmemCharges;
    public ulong PerZoneInfo;
    public bool Freed;
    public string Key => $"memcg:{Id}:{Name}";
}

/// <summary>
/// The 3.7 / 3.8 memcg lifetime (kernel.md §1.1–1.2): create with css id + soft-limit tree locks taken in process
/// context, refcounted puts, and the last put either freeing synchronously (3.7, possibly in the RCU softirq) or via
/// call_rcu(free_rcu) → schedule_work(free_work) → __mem_cgroup_free in a kworker (3.8, seed c8b2a36f).
/// </summary>
public sealed class MemcgEraA
{
    readonly Machine _m;
    readonly LockInstance _idLock;
    readonly LockInstance[] _treeLocks;
    public SleepLock CgroupMutex { get; }

    public MemcgEraA(Machine m)
    {
        _m = m;
        _idLock = new LockInstance(m.Lockdep.Class("&(&ss->id_lock)->rlock"), 0xffffffff81c4e318UL);
        var tree = m.Lockdep.Class("&(&rtpz->lock)->rlock");
        _treeLocks = [new LockInstance(tree, 0xffff88003f80b010UL), new LockInstance(tree, 0xffff88003f80b050UL), new LockInstance(tree, 0xffff88003f80b090UL)];
        CgroupMutex = new SleepLock(m, new LockInstance(m.Lockdep.Class("cgroup_mutex"), 0xffffffff81c4d6a0UL));
    }

    /// <summary>mkdir: cgroup_create → mem_cgroup_create (3.7) / mem_cgroup_css_alloc (3.8) → alloc_css_id under ss->id_lock.</summary>
    public IEnumerable<Wait> Create(KTask t, Memcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.SysMkdir);
        c.Enter(Syms.SysMkdirat);
        c.Enter(Syms.VfsMkdir);
        c.Enter(Syms.CgroupMkdir);
        yield return CgroupMutex.Lock(t);
        CgroupMutex.Acquired(c);
        c.Enter(_m.Kernel.Minor < 8 ? Syms.MemCgroupCreate : Syms.MemCgroupCssAlloc, memcg.Addr);
        c.Enter(Syms.MemcgAlloc);
        _m.Kmem.Kmalloc(c, 1352, "GFP_KERNEL|GFP_ZERO"u8);
        c.Exit(memcg.Addr);
        memcg.PerZoneInfo = _m.Kmem.Kmalloc(c, 968, "GFP_KERNEL|GFP_ZERO"u8);
        // per-zone soft-limit tree setup under rtpz->lock with softirqs enabled (c8b2a36f: "the per-zone trees,
        // which holds rtpz->lock->rlock" — registered SOFTIRQ-ON-W here, at creation)
        var tree = _treeLocks[memcg.Id % _treeLocks.Length];
        c.SpinLock(tree);
        c.Step(100, 300);
        c.SpinUnlock(tree);
        c.Exit(memcg.Addr);
        c.Enter(Syms.AllocCssId, memcg.Addr);
        c.SpinLock(_idLock); // softirqs enabled: lockdep marks the class SOFTIRQ-ON-W
        c.Step(200, 600);
        c.SpinUnlock(_idLock);
        c.Exit();
        memcg.Refcnt = 1;
        _m.Truth.MemcgsCreated++;
        CgroupMutex.Unlock(c);
        for (int i = 0; i < 4; i++) c.Exit(); // cgroup_mkdir, vfs_mkdir, sys_mkdirat, sys_mkdir
    }

    /// <summary>A task charged to the memcg: kmem-accounted stack (takes the kmem reference) and a charge that updates the soft-limit tree.</summary>
    public void Charge(Cpu c, Memcg memcg, int zone)
    {
        c.Enter(Syms.MemcgChargeKmem);
        if (!memcg.KmemRef)
        {
            memcg.KmemRef = true;
            memcg.Refcnt++;
        }
        memcg.KmemCharges++;
        c.Exit();
        // a page fault charges the page: … → __mem_cgroup_commit_charge → mem_cgroup_update_tree
        c.Enter(Syms.PageFault);
        c.Enter(Syms.DoPageFault);
        c.Enter(Syms.HandleMmFault);
        c.Enter(Syms.MemCgroupChargeCommon);
        c.Enter(Syms.MemCgroupCommitCharge);
        c.Enter(Syms.MemCgroupUpdateTree, memcg.Addr);
        var l = _treeLocks[zone % _treeLocks.Length];
        c.SpinLock(l); // plain spin_lock with softirqs on: SOFTIRQ-ON-W
        c.Step(100, 300);
        c.SpinUnlock(l);
        for (int i = 0; i < 6; i++) c.Exit();
    }

    /// <summary>delayed_put_task_struct (RCU callback): free_task → free_accounted_pages → memcg_uncharge_kmem → maybe the last put.</summary>
    public void DelayedPutTaskStruct(Cpu c, ulong taskStruct, Memcg memcg)
    {
        c.Enter(Syms.DelayedPutTaskStruct, taskStruct);
        c.Enter(Syms.PutTaskStruct);
        c.Enter(Syms.PutTaskStructInner);
        c.Enter(Syms.FreeTask);
        c.Enter(Syms.FreeAccountedPages);
        c.Enter(Syms.MemcgUnchargeKmem, memcg.Addr);
        memcg.KmemCharges--;
        if (memcg.KmemCharges == 0 && memcg.Dead && memcg.KmemRef)
        {
            memcg.KmemRef = false;
            Put(c, memcg);
        }
        c.Exit();
        c.Exit();
        _m.Kmem.CacheFree(c, taskStruct);
        c.Exit();
        c.Exit();
        c.Exit();
        c.Exit();
    }

    /// <summary>rmdir: pre_destroy, then cgroup_diput → synchronize_rcu → mem_cgroup_destroy / mem_cgroup_css_free → puts.</summary>
    public IEnumerable<Wait> Remove(KTask t, Memcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.SysRmdir);
        c.Enter(Syms.CgroupRmdir);
        yield return CgroupMutex.Lock(t);
        CgroupMutex.Acquired(c);
        memcg.Dead = true;
        c.Step(500, 2_000);
        CgroupMutex.Unlock(c);
        c.Exit();
        c.Enter(Syms.CgroupDiput);
        foreach (var w in _m.Rcu.Synchronize(t, 0xffff880035e4bd50UL + (ulong)memcg.Id * 0x40))
            yield return w;
        c.Enter(_m.Kernel.Minor < 8 ? Syms.MemCgroupDestroy : Syms.MemCgroupCssFree, memcg.Addr);
        c.Enter(Syms.KmemCgroupDestroy, memcg.Addr);
        if (memcg.KmemRef && memcg.KmemCharges == 0)
        {
            memcg.KmemRef = false;
            Put(c, memcg);
        }
        c.Exit();
        Put(c, memcg);
        c.Exit();
        c.Exit();
        c.Exit();
    }

    /// <summary>mem_cgroup_put(): the last reference frees (3.7: synchronously here; 3.8: call_rcu(free_rcu)).</summary>
    public void Put(Cpu c, Memcg memcg)
    {
        c.Enter(Syms.MemCgroupPut, memcg.Addr);
        if (--memcg.Refcnt == 0)
        {
            ulong rcuHead = memcg.Addr + 0x4f0;
            if (_m.Kernel.SyncMemcgFree)
            {
                Free(c, memcg);
                _m.Rcu.CallRcu(c, rcuHead, Syms.FreeRcu, cpu => FreeRcu(cpu, memcg, freeHere: false));
            }
            else
                _m.Rcu.CallRcu(c, rcuHead, Syms.FreeRcu, cpu => FreeRcu(cpu, memcg, freeHere: true));
        }
        c.Exit();
    }

    void FreeRcu(Cpu c, Memcg memcg, bool freeHere)
    {
        c.Enter(Syms.FreeRcu, memcg.Addr + 0x4f0);
        var work = new Work(memcg.Addr + 0x500, Syms.FreeWork, t => FreeWork(t, memcg, freeHere));
        _m.Workqueues.Queue(c, _m.Workqueues.SystemWq, work);
        c.Exit();
    }

    IEnumerable<Wait> FreeWork(KTask t, Memcg memcg, bool freeHere)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.FreeWork, memcg.Addr + 0x500);
        if (freeHere) Free(c, memcg);
        _m.Kmem.Kfree(c, memcg.Addr);
        c.Exit();
        yield break;
    }

    /// <summary>__mem_cgroup_free: soft-limit tree removal (per-zone lock), free_css_id (id lock), per-zone info, percpu stats.</summary>
    void Free(Cpu c, Memcg memcg)
    {
        bool softirq = c.InSoftirq;
        c.Enter(Syms.MemCgroupFree, memcg.Addr);
        c.Enter(Syms.MemCgroupRemoveFromTrees, memcg.Addr);
        bool first = true;
        foreach (var l in _treeLocks)
        {
            if (first && softirq) Unsafe(c, memcg, l);
            first = false;
            c.SpinLock(l);
            c.Step(60, 200);
            c.SpinUnlock(l);
        }
        c.Exit();
        c.Enter(Syms.FreeCssId, memcg.Addr);
        if (softirq) Unsafe(c, memcg, _idLock);
        c.SpinLock(_idLock);
        c.Step(60, 200);
        c.SpinUnlock(_idLock);
        c.Exit();
        _m.Kmem.Kfree(c, memcg.PerZoneInfo);
        c.Exit();
        memcg.Freed = true;
        _m.Truth.MemcgsFreed++;
        if (softirq) _m.Truth.MemcgsFreedInSoftirq++; else _m.Truth.MemcgsFreedInProcess++;
    }

    void Unsafe(Cpu c, Memcg memcg, LockInstance l) =>
        _m.Truth.UnsafeFrees.Add(new Truth.UnsafeFreeRecord(c.Now, c.Id, c.Current.Pid, "mem_cgroup", memcg.Key, memcg.Addr,
            l.Class.Name, "softirq", "kernel.md#5.1: __mem_cgroup_free() in softirq takes a SOFTIRQ-ON-W lock"));
}
