using TraceReplay.Synth.Output;

namespace TraceReplay.Synth.Model;

/// <summary>
/// The discrete-event core: an agenda of (time, seq) items — task resumptions and interrupts — run one at a time.
/// Every item starts at or after the previous one, so output earlier than the current item's time is final and is
/// flushed at once (streaming, bounded memory).
/// </summary>
public sealed class Machine
{
    readonly PriorityQueue<Item, (long Time, long Seq)> _agenda = new();
    long _seq;
    int _nextPid = 1200;

    public Machine(SynthOptions options, TraceOutput output, Truth.TruthLog truth, Prng rng)
    {
        Options = options;
        Out = output;
        Truth = truth;
        Rng = rng;
        Kernel = KernelModel.Parse(options.Kernel);
        Cpus = new Cpu[options.Cpus];
        for (int i = 0; i < Cpus.Length; i++)
            Cpus[i] = new Cpu(this, i);
        Lockdep = new Lockdep(this);
        Rcu = new Rcu(this);
        Workqueues = new Workqueues(this);
        Kmem = new Kmem(this);
    }

    public Kmem Kmem { get; }

    public SynthOptions Options { get; }
    public KernelModel Kernel { get; }
    public TraceOutput Out { get; }
    public Truth.TruthLog Truth { get; }
    public Prng Rng { get; }
    public Cpu[] Cpus { get; }
    public Lockdep Lockdep { get; }
    public Rcu Rcu { get; }
    public Workqueues Workqueues { get; }
    /// <summary>Time of the item being run (ns since boot).</summary>
    public long Now { get; private set; }
    /// <summary>Optional dmesg sink for the lockdep splat.</summary>
    public Dmesg? Dmesg { get; set; }

    public int NewPid() => _nextPid += 1 + Rng.Next(7);

    public Cpu RandomCpu() => Cpus[Rng.Next(Cpus.Length)];

    /// <summary>Creates a task and schedules its first run.</summary>
    public KTask Spawn(string comm, int cpu, long at, Func<KTask, IEnumerable<Wait>> body, int prio = 120)
    {
        var t = new KTask(comm, NewPid(), cpu, prio, Syms.SystemCallFastpath);
        t.Body = body(t).GetEnumerator();
        Wake(t, at);
        return t;
    }

    /// <summary>Creates a task that starts blocked (a kthread waiting for work).</summary>
    public KTask Create(string comm, int pid, int cpu, Func<KTask, IEnumerable<Wait>> body, int prio = 120)
    {
        var t = new KTask(comm, pid, cpu, prio) { Blocked = true };
        t.Body = body(t).GetEnumerator();
        return t;
    }

    /// <summary>Schedules a blocked or new task to continue at time t.</summary>
    public void Wake(KTask task, long t)
    {
        task.Blocked = false;
        Schedule(new Item(task, null), Math.Max(t, Now));
    }

    /// <summary>Runs action on the CPU at time t, on top of whatever task is current there (irq / softirq / IPI).</summary>
    public void At(int cpu, long t, Action<Cpu> action) => Schedule(new Item(null, action) { CpuId = cpu }, Math.Max(t, Now));

    void Schedule(Item item, long t) => _agenda.Enqueue(item, (t, _seq++));

    /// <summary>Runs until nothing is left to do.</summary>
    public void Run()
    {
        while (_agenda.TryDequeue(out var item, out var key))
        {
            Now = key.Time;
            Out.Flush(key.Time);
            if (item.Task is { } task)
                Resume(task, key.Time);
            else
                item.Action!(Cpus[item.CpuId].At(key.Time));
        }
        Out.Finish();
    }

    void Resume(KTask task, long t)
    {
        if (task.Done) return;
        var c = Cpus[task.Cpu].At(t);
        if (c.Current != task)
            c.SwitchTo(task, c.Current.IsIdle ? "R" : "R+", preempted: !c.Current.IsIdle);
        var body = task.Body!;
        while (true)
        {
            if (!body.MoveNext())
            {
                if (task.Frames.Count > 1 || task.TracedDepth != 0)
                    throw new InvalidOperationException($"model bug: {task.Comm}-{task.Pid} ended inside {task.Frames[^1].Func.Name}");
                task.Done = true;
                c.SwitchAway(task, task.ExitState);
                return;
            }
            var w = body.Current;
            switch (w.Kind)
            {
                case Wait.WaitKind.None:
                    continue;
                case Wait.WaitKind.Busy:
                    Schedule(new Item(task, null), c.Now + w.Ns);
                    return;
                case Wait.WaitKind.Sleep:
                    c.SwitchAway(task, w.State);
                    Schedule(new Item(task, null), c.Now + w.Ns);
                    return;
                default:
                    task.Blocked = true;
                    c.SwitchAway(task, w.State);
                    return;
            }
        }
    }

    sealed class Item(KTask? task, Action<Cpu>? action)
    {
        public KTask? Task { get; } = task;
        public Action<Cpu>? Action { get; } = action;
        public int CpuId;
    }
}

/// <summary>Version switches of the modeled kernel (seed patches: c8b2a36f in 3.8, d5b3cf71 modeled as 3.19).</summary>
public sealed record KernelModel(string Version, int Major, int Minor)
{
    public static KernelModel Parse(string v)
    {
        var parts = v.Split('.');
        if (parts.Length < 2 || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int major)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int minor))
            throw new ArgumentException($"kernel version '{v}' is not MAJOR.MINOR");
        if (major != 3 || minor < 7 || minor > 19)
            throw new ArgumentException($"kernel {v} is not modeled (3.7 … 3.19)");
        return new KernelModel(v, major, minor);
    }

    /// <summary>Before c8b2a36f: the last mem_cgroup_put() frees synchronously in the caller's context.</summary>
    public bool SyncMemcgFree => Minor < 8;
    /// <summary>3.18+: css refcount era, css_free_work_fn path, kmem caches per memcg with memcg_slab_mutex.</summary>
    public bool CssEra => Minor >= 18;
    /// <summary>Davydov's batching (modeled at 3.19): one rcu_barrier per root destroy / memcg free, no doomed alias.</summary>
    public bool BatchedCacheDestroy => Minor >= 19;
    /// <summary>3.6–3.8 _rcu_barrier: preempt-disabled per-CPU loop and its own barrier callback on the caller's CPU.</summary>
    public bool OldRcuBarrier => Minor < 10;
    public string Release => $"{Major}.{Minor}.0";
}
