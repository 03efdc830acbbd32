using System.Text;

namespace TraceReplay.Synth.Model;

/// <summary>A kernel function of the modeled image: name, fake but fixed text address and size (for %pS, kprobes, call_site).</summary>
public sealed class Sym
{
    internal Sym(string name, int size, bool traced, ulong addr)
    {
        Name = name;
        Utf8 = Encoding.ASCII.GetBytes(name);
        Size = size;
        Traced = traced;
        Addr = addr;
    }

    public string Name { get; }
    public byte[] Utf8 { get; }
    public int Size { get; }
    /// <summary>In the trace's filter (set_ftrace_filter / kprobe list): emits function, graph and kprobe events.</summary>
    public bool Traced { get; }
    public ulong Addr { get; }
}

/// <summary>
/// The functions the model knows. Traced ones are the functions the analyses need; the others are only frames
/// (parents in "func &lt;-parent", kretprobe return sites, kmem call_site values).
/// </summary>
public static class Syms
{
    static ulong s_next = 0xffffffff81081000UL;
    static Sym T(string name, int size) => Make(name, size, true);
    static Sym F(string name, int size) => Make(name, size, false);

    static Sym Make(string name, int size, bool traced)
    {
        var s = new Sym(name, size, traced, s_next);
        // Spacing depends only on declaration order and size: stable across runs and platforms.
        s_next += (ulong)((size + 0x40 + 0xf) & ~0xf) + 0x1a30;
        return s;
    }

    // --- context frames (never traced) ---
    public static readonly Sym DoSoftirq = F("__do_softirq", 0x277);
    public static readonly Sym RcuProcessCallbacks = F("rcu_process_callbacks", 0x5b);
    public static readonly Sym RcuProcessCallbacksInner = F("__rcu_process_callbacks", 0x3df);
    public static readonly Sym ProcessOneWork = F("process_one_work", 0x4b0);
    public static readonly Sym WorkerThread = F("worker_thread", 0x370);
    public static readonly Sym SysMkdir = F("sys_mkdir", 0x20);
    public static readonly Sym SysRmdir = F("sys_rmdir", 0x20);
    public static readonly Sym CgroupMkdir = F("cgroup_mkdir", 0x5f0);
    public static readonly Sym CgroupRmdir = F("cgroup_rmdir", 0x4a0);
    public static readonly Sym CgroupDiput = F("cgroup_diput", 0x160);
    public static readonly Sym CssFreeWorkFn = F("css_free_work_fn", 0x60);
    public static readonly Sym CssKilledWorkFn = F("css_killed_work_fn", 0x90);
    public static readonly Sym CssReleaseWorkFn = F("css_release_work_fn", 0x80);
    public static readonly Sym CssFreeRcuFn = F("css_free_rcu_fn", 0x30);
    public static readonly Sym CgroupIdrAlloc = F("cgroup_idr_alloc", 0x70);
    public static readonly Sym SysfsSlabRemove = F("sysfs_slab_remove", 0x90);
    public static readonly Sym ReleaseTask = F("release_task", 0x420);
    public static readonly Sym DoExit = F("do_exit", 0x8f0);
    public static readonly Sym DoFork = F("do_fork", 0x2d0);
    public static readonly Sym DupTaskStruct = F("dup_task_struct", 0x1a0);
    public static readonly Sym SysDeleteModule = F("sys_delete_module", 0x220);
    public static readonly Sym SysInitModule = F("sys_init_module", 0x1b0);
    public static readonly Sym PutTaskStruct = F("put_task_struct", 0x22);
    public static readonly Sym PutTaskStructInner = F("__put_task_struct", 0xdb);
    public static readonly Sym FreeTask = F("free_task", 0x5c);
    public static readonly Sym FreeAccountedPages = F("free_accounted_pages", 0x4c);
    public static readonly Sym MemcgAlloc = F("mem_cgroup_alloc", 0xf0);
    public static readonly Sym MemcgKmemCacheCreateFunc = F("memcg_kmem_cache_create_func", 0x50);
    public static readonly Sym MemcgCreateKmemCache = F("memcg_create_kmem_cache", 0x160);
    public static readonly Sym DoKmemCacheCreate = F("do_kmem_cache_create", 0x110);
    public static readonly Sym SmpCallFunctionSingle = F("generic_smp_call_function_single_interrupt", 0xc0);
    public static readonly Sym DoIrq = F("do_IRQ", 0xd0);
    public static readonly Sym RunTimerSoftirq = F("run_timer_softirq", 0x2f0);
    public static readonly Sym NetRxAction = F("net_rx_action", 0x1d0);
    public static readonly Sym BlkDoneSoftirq = F("blk_done_softirq", 0x90);
    public static readonly Sym TaskletAction = F("tasklet_action", 0xb0);
    public static readonly Sym AllocSkb = F("__alloc_skb", 0x1b0);
    public static readonly Sym SkbReleaseData = F("skb_release_data", 0xd0);
    public static readonly Sym KfreeSkbmem = F("kfree_skbmem", 0x80);
    public static readonly Sym GetnameFlags = F("getname_flags", 0x130);
    public static readonly Sym Putname = F("putname", 0x40);
    public static readonly Sym SeqOpen = F("seq_open", 0x90);
    public static readonly Sym SeqRelease = F("seq_release", 0x30);
    public static readonly Sym DiscardSlab = F("discard_slab", 0x50);
    public static readonly Sym UnderscoreRcuBarrier = F("_rcu_barrier", 0x230);

    // --- frames only seen in the lockdep report's stacks ---
    public static readonly Sym DumpStack = F("dump_stack", 0x1b);
    public static readonly Sym PrintUsageBug = F("print_usage_bug", 0x20b);
    public static readonly Sym MarkLockIrq = F("mark_lock_irq", 0x2c0);
    public static readonly Sym MarkLock = F("mark_lock", 0x1f0);
    public static readonly Sym LockAcquireInner = F("__lock_acquire", 0x1b90);
    public static readonly Sym LockAcquire = F("lock_acquire", 0x1d0);
    public static readonly Sym RawSpinLock = F("_raw_spin_lock", 0x70);
    public static readonly Sym CallSoftirq = F("call_softirq", 0x1c);
    public static readonly Sym DoSoftirqFn = F("do_softirq", 0x65);
    public static readonly Sym IrqExit = F("irq_exit", 0x85);
    public static readonly Sym SmpApicTimerInterrupt = F("smp_apic_timer_interrupt", 0x6e);
    public static readonly Sym ApicTimerInterrupt = F("apic_timer_interrupt", 0x72);
    public static readonly Sym LocalBhEnable = F("_local_bh_enable", 0x40);
    public static readonly Sym DefaultIdle = F("default_idle", 0x2f);
    public static readonly Sym CpuIdle = F("cpu_idle", 0xb5);
    public static readonly Sym StartSecondary = F("start_secondary", 0x1a5);
    public static readonly Sym RestInit = F("rest_init", 0x80);
    public static readonly Sym StartKernel = F("start_kernel", 0x3a8);
    public static readonly Sym VfsMkdir = F("vfs_mkdir", 0xa8);
    public static readonly Sym SysMkdirat = F("sys_mkdirat", 0xd8);
    public static readonly Sym SystemCallFastpath = F("system_call_fastpath", 0x16);
    public static readonly Sym MemcgChargeKmem = F("memcg_charge_kmem", 0x78);
    public static readonly Sym PageFault = F("page_fault", 0x28);
    public static readonly Sym DoPageFault = F("do_page_fault", 0x4c);
    public static readonly Sym HandleMmFault = F("handle_mm_fault", 0x2f4);
    public static readonly Sym MemCgroupChargeCommon = F("mem_cgroup_charge_common", 0x6c);
    public static readonly Sym MemCgroupCommitCharge = F("__mem_cgroup_commit_charge", 0x1c4);

    // --- traced: the analysis functions ---
    public static readonly Sym MemCgroupCreate = T("mem_cgroup_create", 0x2b0);
    public static readonly Sym MemCgroupCssAlloc = T("mem_cgroup_css_alloc", 0x2f0);
    public static readonly Sym AllocCssId = T("alloc_css_id", 0x130);
    public static readonly Sym MemCgroupUpdateTree = T("mem_cgroup_update_tree", 0x110);
    public static readonly Sym MemCgroupDestroy = T("mem_cgroup_destroy", 0x40);
    public static readonly Sym MemCgroupCssOffline = T("mem_cgroup_css_offline", 0x120);
    public static readonly Sym MemCgroupCssFree = T("mem_cgroup_css_free", 0x60);
    public static readonly Sym KmemCgroupDestroy = T("kmem_cgroup_destroy", 0x50);
    public static readonly Sym MemcgUnchargeKmem = T("memcg_uncharge_kmem", 0x80);
    public static readonly Sym MemCgroupPut = T("mem_cgroup_put", 0x40);
    public static readonly Sym MemCgroupFree = T("__mem_cgroup_free", 0xd0);
    public static readonly Sym MemCgroupRemoveFromTrees = T("mem_cgroup_remove_from_trees", 0x90);
    public static readonly Sym FreeCssId = T("free_css_id", 0x80);
    public static readonly Sym FreeRcu = T("free_rcu", 0x30);
    public static readonly Sym FreeWork = T("free_work", 0x60);
    public static readonly Sym DelayedPutTaskStruct = T("delayed_put_task_struct", 0x98);
    public static readonly Sym SynchronizeRcu = T("synchronize_rcu", 0x40);
    public static readonly Sym KmemCacheCreate = T("kmem_cache_create", 0x1c0);
    public static readonly Sym KmemCacheAlias = T("__kmem_cache_alias", 0x70);
    public static readonly Sym KmemCacheDestroy = T("kmem_cache_destroy", 0x1a0);
    public static readonly Sym MemcgCleanupCacheParams = T("memcg_cleanup_cache_params", 0x50);
    public static readonly Sym KmemCacheShutdown = T("__kmem_cache_shutdown", 0x90);
    public static readonly Sym SlabKmemCacheRelease = T("slab_kmem_cache_release", 0x40);
    public static readonly Sym MemcgRegisterCache = T("memcg_register_cache", 0x90);
    public static readonly Sym MemcgUnregisterCache = T("memcg_unregister_cache", 0x60);
    public static readonly Sym MemcgUnregisterAllCaches = T("memcg_unregister_all_caches", 0xa0);
    public static readonly Sym MemcgDestroyKmemCaches = T("memcg_destroy_kmem_caches", 0x120);
    public static readonly Sym DoKmemCacheShutdown = T("do_kmem_cache_shutdown", 0xb0);
    public static readonly Sym DoKmemCacheRelease = T("do_kmem_cache_release", 0x60);
    public static readonly Sym RcuBarrier = T("rcu_barrier", 0x20);

    // --- RCU callback and work functions (printed by %pf; never traced themselves unless listed above) ---
    public static readonly Sym RcuBarrierCallback = F("rcu_barrier_callback", 0x40);
    public static readonly Sym RcuFreeSlab = F("rcu_free_slab", 0x30);
    public static readonly Sym WakemeAfterRcu = F("wakeme_after_rcu", 0x20);
}
