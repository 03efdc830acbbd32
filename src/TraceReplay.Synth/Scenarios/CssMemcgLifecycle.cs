using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Scenarios;

/// <summary>
/// The css-era (3.18/3.19) memcg life, kernel.md §1.3: mkdir → css_alloc; rmdir → (percpu_ref kill confirmed after a
/// sched grace period) css_killed_work_fn → css_offline (3.18: memcg_unregister_all_caches) → css_release_work_fn →
/// call_rcu(css_free_rcu_fn) → css_free_work_fn → mem_cgroup_css_free (3.19: memcg_destroy_kmem_caches) → __mem_cgroup_free.
/// </summary>
public sealed class CssMemcgLifecycle
{
    readonly Machine _m;
    readonly Slab _slab;
    readonly LockInstance _idrLock;
    readonly LockInstance _treeLock;

    public CssMemcgLifecycle(Machine m, Slab slab)
    {
        _m = m;
        _slab = slab;
        _idrLock = new LockInstance(m.Lockdep.Class("cgroup_idr_lock"), 0xffffffff81c4d5d8UL);
        _treeLock = new LockInstance(m.Lockdep.Class("&(&rtpz->lock)->rlock"), 0xffff88003f80b010UL);
    }

    public IEnumerable<Wait> Mkdir(KTask t, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.SysMkdir);
        c.Enter(Syms.SysMkdirat);
        c.Enter(Syms.VfsMkdir);
        c.Enter(Syms.CgroupMkdir);
        yield return _slab.CgroupMutex.Lock(t);
        _slab.CgroupMutex.Acquired(c);
        c.Enter(Syms.MemCgroupCssAlloc, memcg.Addr);
        _m.Kmem.Kmalloc(c, 1664, "GFP_KERNEL|GFP_ZERO"u8);
        c.Exit(memcg.Addr);
        c.Enter(Syms.CgroupIdrAlloc);
        c.BhDisabled++; // spin_lock_bh(&cgroup_idr_lock)
        c.SpinLock(_idrLock);
        c.Step(100, 300);
        c.SpinUnlock(_idrLock);
        c.BhDisabled--;
        c.Exit();
        _m.Truth.MemcgsCreated++;
        _slab.CgroupMutex.Unlock(c);
        for (int i = 0; i < 4; i++) c.Exit(); // cgroup_mkdir, vfs_mkdir, sys_mkdirat, sys_mkdir
    }

    public IEnumerable<Wait> Rmdir(KTask t, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.SysRmdir);
        c.Enter(Syms.CgroupRmdir);
        yield return _slab.CgroupMutex.Lock(t);
        _slab.CgroupMutex.Acquired(c);
        c.Step(1_000, 3_000);
        _slab.CgroupMutex.Unlock(c);
        c.Exit();
        c.Exit();
        // percpu_ref_kill_and_confirm: the confirmation (css_killed_ref_fn) runs after an RCU-sched grace period
        // from the RCU softirq of this CPU and queues the offline work on cgroup_destroy_wq.
        int cpu = c.Id;
        _m.At(cpu, c.Now + Rcu.GracePeriodNs + _m.Rng.Range(50_000, 300_000), cc => Softirq.Run(cc, 9, s =>
            _m.Workqueues.Queue(s, _m.Workqueues.CgroupDestroyWq, new Work(memcg.Addr + 0x88, Syms.CssKilledWorkFn, w => Offline(w, memcg)))));
    }

    IEnumerable<Wait> Offline(KTask t, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.CssKilledWorkFn);
        c.Enter(Syms.MemCgroupCssOffline, memcg.Addr);
        if (!_m.Kernel.BatchedCacheDestroy)
            foreach (var w in _slab.DestroyMemcgCaches(t, memcg)) yield return w;
        c.Exit();
        // last css_put → css_release → queue css_release_work_fn (same work struct, reused as in the 6.18 capture)
        _m.Workqueues.Queue(c, _m.Workqueues.CgroupDestroyWq, new Work(memcg.Addr + 0x88, Syms.CssReleaseWorkFn, w => Released(w, memcg)));
        c.Exit();
    }

    IEnumerable<Wait> Released(KTask t, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.CssReleaseWorkFn);
        _m.Rcu.CallRcu(c, memcg.Addr + 0xa8, Syms.CssFreeRcuFn, cb =>
            _m.Workqueues.Queue(cb, _m.Workqueues.CgroupDestroyWq, new Work(memcg.Addr + 0x88, Syms.CssFreeWorkFn, w => Free(w, memcg))));
        c.Exit();
        yield break;
    }

    IEnumerable<Wait> Free(KTask t, CssMemcg memcg)
    {
        var c = _m.Cpus[t.Cpu];
        c.Enter(Syms.CssFreeWorkFn);
        c.Enter(Syms.MemCgroupCssFree, memcg.Addr);
        if (_m.Kernel.BatchedCacheDestroy)
            foreach (var w in _slab.DestroyMemcgCaches(t, memcg)) yield return w;
        c.Enter(Syms.MemCgroupFree, memcg.Addr);
        c.Enter(Syms.MemCgroupRemoveFromTrees, memcg.Addr);
        c.SpinLockIrqSave(_treeLock); // 3.18+: spin_lock_irqsave, legal anywhere
        c.Step(60, 200);
        c.SpinUnlockIrqRestore(_treeLock);
        c.Exit();
        _m.Kmem.Kfree(c, memcg.Addr);
        c.Exit();
        c.Exit();
        c.Exit();
        _m.Truth.MemcgsFreed++;
        _m.Truth.MemcgsFreedInProcess++;
    }
}
