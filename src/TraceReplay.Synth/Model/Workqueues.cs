namespace TraceReplay.Synth.Model;

/// <summary>A work item: its struct address, function (%pf) and body (may sleep: runs in the kworker's coroutine).</summary>
public sealed class Work(ulong addr, Sym func, Func<KTask, IEnumerable<Wait>> body)
{
    public ulong Addr { get; } = addr;
    public Sym Func { get; } = func;
    public Func<KTask, IEnumerable<Wait>> Body { get; } = body;
}

/// <summary>A workqueue_struct (3.x prints it as workqueue=%p).</summary>
public sealed record WorkqueueStruct(string Name, ulong Addr);

/// <summary>
/// Per-CPU bound worker pools with one kworker each ("kworker/N:1"): queue_work → activate → the kworker runs
/// execute_start, the body, execute_end (3.x workqueue.h formats).
/// </summary>
public sealed class Workqueues
{
    readonly Machine _m;
    readonly Pool[] _pools;

    public Workqueues(Machine m)
    {
        _m = m;
        SystemWq = new WorkqueueStruct("events", 0xffff88003e00e000UL);
        CgroupDestroyWq = new WorkqueueStruct("cgroup_destroy", 0xffff88003e00e400UL);
        MemcgCacheWq = new WorkqueueStruct("events", 0xffff88003e00e000UL);
        _pools = new Pool[m.Cpus.Length];
        for (int i = 0; i < _pools.Length; i++)
        {
            var pool = new Pool();
            _pools[i] = pool;
            pool.Lock = new LockInstance(_poolLockClass ??= m.Lockdep.Class(m.Kernel.Minor < 8 ? "&(&gcwq->lock)->rlock" : "&(&pool->lock)->rlock"),
                0xffff88003fc12a40UL + (ulong)i * 0x10000UL);
            int cpu = i;
            pool.Worker = m.Create($"kworker/{cpu}:1", 20 + 7 * cpu, cpu, t => WorkerLoop(t, pool));
            pool.Worker.ExitState = "S";
            pool.Sleeping = true;
        }
    }

    LockClass? _poolLockClass;
    public WorkqueueStruct SystemWq { get; }
    public WorkqueueStruct CgroupDestroyWq { get; }
    public WorkqueueStruct MemcgCacheWq { get; }

    /// <summary>queue_work_on(WORK_CPU_UNBOUND → local CPU): 3.x prints req_cpu=NR_CPUS (256 here) for unbound requests.</summary>
    public void Queue(Cpu c, WorkqueueStruct wq, Work work)
    {
        var pool = _pools[c.Id];
        c.LocalIrqSave();
        c.SpinLock(pool.Lock);
        var b = c.Tp("workqueue_queue_work"u8);
        if (b != null)
        {
            b.Add("work struct="u8); b.Ptr(work.Addr); b.Add(" function="u8); b.Add(work.Func.Utf8);
            b.Add(" workqueue="u8); b.Ptr(wq.Addr); b.Add(" req_cpu=256 cpu="u8); b.Dec(c.Id);
            c.End();
        }
        var a = c.Tp("workqueue_activate_work"u8);
        if (a != null) { a.Add("work struct "u8); a.Ptr(work.Addr); c.End(); }
        c.SpinUnlock(pool.Lock);
        c.LocalIrqRestore();
        pool.Queue.Enqueue(work);
        if (pool.Sleeping)
        {
            pool.Sleeping = false;
            _m.Wake(pool.Worker!, c.Now + _m.Rng.Range(2_000, 8_000));
        }
    }

    IEnumerable<Wait> WorkerLoop(KTask t, Pool pool)
    {
        var c = _m.Cpus[t.Cpu];
        while (true)
        {
            if (pool.Queue.Count == 0)
            {
                pool.Sleeping = true;
                yield return Wait.BlockS;
                continue;
            }
            var work = pool.Queue.Dequeue();
            c.Enter(Syms.WorkerThread);
            c.Enter(Syms.ProcessOneWork);
            var b = c.Tp("workqueue_execute_start"u8);
            if (b != null) { b.Add("work struct "u8); b.Ptr(work.Addr); b.Add(": function "u8); b.Add(work.Func.Utf8); c.End(); }
            foreach (var w in work.Body(t))
                yield return w;
            var e = c.Tp("workqueue_execute_end"u8);
            if (e != null) { e.Add("work struct "u8); e.Ptr(work.Addr); c.End(); }
            c.Exit();
            c.Exit();
        }
    }

    sealed class Pool
    {
        public LockInstance Lock = null!;
        public KTask? Worker;
        public bool Sleeping;
        public readonly Queue<Work> Queue = new();
    }
}
