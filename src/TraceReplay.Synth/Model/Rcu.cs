namespace TraceReplay.Synth.Model;

/// <summary>
/// Tree RCU of a CONFIG_PREEMPT 3.x kernel (flavour "rcu_preempt"): per-CPU callback lists, grace periods that end
/// on a fixed period, RCU_SOFTIRQ batches (blimit 10) and _rcu_barrier() with its 3.x trace strings.
/// </summary>
public sealed class Rcu
{
    public const long GracePeriodNs = 2_000_000;
    const int Blimit = 10;
    static ReadOnlySpan<byte> Name => "rcu_preempt"u8;

    readonly Machine _m;
    readonly List<Callback>[] _lists;
    readonly long[] _coreAt;
    readonly ulong[] _barrierHead;
    readonly SleepLock _barrierMutex;
    long _nBarrierDone;
    int _barrierCount;
    Completion? _barrierCompletion;

    public Rcu(Machine m)
    {
        _m = m;
        _lists = new List<Callback>[m.Cpus.Length];
        _coreAt = new long[m.Cpus.Length];
        _barrierHead = new ulong[m.Cpus.Length];
        for (int i = 0; i < _lists.Length; i++)
        {
            _lists[i] = new List<Callback>();
            _coreAt[i] = long.MaxValue;
            _barrierHead[i] = 0xffff88003fc0e2c0UL + (ulong)i * 0x10000UL; // per-CPU rcu_data.barrier_head
        }
        var cls = m.Lockdep.Class("rcu_preempt_state.barrier_mutex");
        _barrierMutex = new SleepLock(m, new LockInstance(cls, 0xffffffff81c3b6a8UL));
    }

    public int Pending(int cpu) => _lists[cpu].Count;

    /// <summary>call_rcu(): queues the callback on this CPU; it runs in RCU_SOFTIRQ after a full grace period.</summary>
    public void CallRcu(Cpu c, ulong rhp, Sym func, Action<Cpu>? invoke)
    {
        var list = _lists[c.Id];
        long ready = (c.Now / GracePeriodNs + 2) * GracePeriodNs + 20_000L * c.Id + _m.Rng.Range(0, 15_000);
        list.Add(new Callback(rhp, func, invoke, ready));
        c.LocalIrqSave();
        var b = c.Tp("rcu_callback"u8);
        if (b != null)
        {
            b.Add(Name); b.Add(" rhp="u8); b.Ptr(rhp); b.Add(" func="u8); b.Add(func.Utf8);
            b.Add(" 0/"u8); b.Dec(list.Count);
            c.End();
        }
        c.LocalIrqRestore();
        ScheduleCore(c.Id, ready);
    }

    void ScheduleCore(int cpu, long at)
    {
        at = Math.Max(at, _m.Now);
        if (_coreAt[cpu] <= at) return;
        _coreAt[cpu] = at;
        _m.At(cpu, at, RunCore);
    }

    /// <summary>Scheduler tick raises RCU_SOFTIRQ; on irq exit the softirq invokes the ready callbacks.</summary>
    void RunCore(Cpu c)
    {
        if (_coreAt[c.Id] != _m.Now) return; // superseded by an earlier run
        _coreAt[c.Id] = long.MaxValue;
        var list = _lists[c.Id];
        int ready = 0;
        while (ready < list.Count && list[ready].ReadyAt <= c.Now) ready++;
        if (ready == 0)
        {
            if (list.Count > 0) ScheduleCore(c.Id, list[0].ReadyAt);
            return;
        }
        c.HardirqEnter();
        Softirq.Raise(c, 9);
        c.HardirqExit();
        Softirq.Run(c, 9, cpu =>
        {
            cpu.Enter(Syms.RcuProcessCallbacks);
            cpu.Enter(Syms.RcuProcessCallbacksInner);
            int n = Math.Min(ready, Blimit);
            cpu.LocalIrqSave();
            var b = cpu.Tp("rcu_batch_start"u8);
            if (b != null)
            {
                b.Add(Name); b.Add(" CBs=0/"u8); b.Dec(list.Count); b.Add(" bl="u8); b.Dec(Blimit);
                cpu.End();
            }
            var batch = list.GetRange(0, n);
            list.RemoveRange(0, n);
            cpu.LocalIrqRestore();
            foreach (var cb in batch)
            {
                var ib = cpu.Tp("rcu_invoke_callback"u8);
                if (ib != null)
                {
                    ib.Add(Name); ib.Add(" rhp="u8); ib.Ptr(cb.Rhp); ib.Add(" func="u8); ib.Add(cb.Func.Utf8);
                    cpu.End();
                }
                cb.Invoke?.Invoke(cpu);
            }
            cpu.LocalIrqSave();
            bool more = list.Count > 0 && list[0].ReadyAt <= cpu.Now;
            var e = cpu.Tp("rcu_batch_end"u8);
            if (e != null)
            {
                e.Add(Name); e.Add(" CBs-invoked="u8); e.Dec(n); e.Add(" idle="u8);
                e.Add(more ? (byte)'C' : (byte)'.');
                e.Add((byte)'.');
                e.Add(cpu.Current.IsIdle ? (byte)'I' : (byte)'.');
                e.Add((byte)'.');
                cpu.End();
            }
            cpu.LocalIrqRestore();
            cpu.Exit();
            cpu.Exit();
        });
        if (list.Count > 0)
            ScheduleCore(c.Id, Math.Max(list[0].ReadyAt, c.Now + 50_000));
    }

    void BarrierTrace(Cpu c, ReadOnlySpan<byte> what, int cpu, long done)
    {
        var b = c.Tp("rcu_barrier"u8);
        if (b == null) return;
        b.Add(Name); b.Add((byte)' '); b.Add(what); b.Add(" cpu "u8); b.Dec(cpu);
        b.Add(" remaining "u8); b.Dec(_barrierCount); b.Add(" # "u8); b.Dec(done);
        c.End();
    }

    /// <summary>
    /// rcu_barrier() from a task: Begin, Check, [EarlyExit], Inc1, per-CPU OnlineQ (IPI → IRQ + barrier callback) or
    /// OnlineNQ, [3.6–3.8: own callback], Inc2, then sleep until the last barrier callback ("LastCB") ran.
    /// </summary>
    public IEnumerable<Wait> Barrier(KTask task)
    {
        var c = _m.Cpus[task.Cpu];
        c.Enter(Syms.RcuBarrier);
        c.Enter(Syms.UnderscoreRcuBarrier);
        if (task.CurrentOp is { } op) op.BarrierCount++;
        _m.Truth.Barriers++;
        long snap = _nBarrierDone;
        BarrierTrace(c, "Begin"u8, -1, snap);
        yield return _barrierMutex.Lock(task);
        _barrierMutex.Acquired(c);
        long snapDone = _nBarrierDone;
        BarrierTrace(c, "Check"u8, -1, snapDone);
        if (snapDone >= ((snap + 1) & ~1L) + 2)
        {
            BarrierTrace(c, "EarlyExit"u8, -1, snapDone);
            _barrierMutex.Unlock(c);
            c.Exit();
            c.Exit();
            yield break;
        }
        _nBarrierDone++;
        BarrierTrace(c, "Inc1"u8, -1, _nBarrierDone);
        var completion = new Completion(_m);
        _barrierCompletion = completion;
        _barrierCount = 1;
        bool old = _m.Kernel.OldRcuBarrier;
        foreach (var target in _m.Cpus)
        {
            if (old) c.Preempt++;
            if (_lists[target.Id].Count > 0)
            {
                BarrierTrace(c, "OnlineQ"u8, target.Id, _nBarrierDone);
                Ipi(c, target);
            }
            else
                BarrierTrace(c, "OnlineNQ"u8, target.Id, _nBarrierDone);
            if (old) c.Preempt--;
        }
        if (old)
        {
            _barrierCount++;
            CallRcu(c, _barrierHead[c.Id] + 0x8, Syms.RcuBarrierCallback, BarrierCallback);
        }
        if (--_barrierCount == 0) completion.Complete(c.Now);
        _nBarrierDone++;
        BarrierTrace(c, "Inc2"u8, -1, _nBarrierDone);
        yield return completion.WaitFor(task);
        _barrierMutex.Unlock(c);
        c.Exit();
        c.Exit();
    }

    /// <summary>smp_call_function_single(cpu, rcu_barrier_func, rsp, 1): runs on the target (hardirq) or locally with irqs off; the caller waits.</summary>
    void Ipi(Cpu from, Cpu target)
    {
        from.Preempt++; // get_cpu()
        if (target == from)
        {
            from.LocalIrqSave();
            BarrierFunc(from);
            from.LocalIrqRestore();
        }
        else
        {
            target.At(from.Now + _m.Rng.Range(1_000, 3_000));
            target.HardirqEnter();
            target.Enter(Syms.SmpCallFunctionSingle);
            BarrierFunc(target);
            target.Exit();
            target.HardirqExit();
            from.At(target.Now + 500);
        }
        from.Preempt--;
    }

    void BarrierFunc(Cpu c)
    {
        BarrierTrace(c, "IRQ"u8, -1, _nBarrierDone);
        _barrierCount++;
        CallRcu(c, _barrierHead[c.Id], Syms.RcuBarrierCallback, BarrierCallback);
    }

    void BarrierCallback(Cpu c)
    {
        if (--_barrierCount == 0)
        {
            BarrierTrace(c, "LastCB"u8, -1, _nBarrierDone);
            _barrierCompletion?.Complete(c.Now);
        }
        else
            BarrierTrace(c, "CB"u8, -1, _nBarrierDone);
    }

    /// <summary>synchronize_rcu(): sleeps until a grace period ended (a wakeme_after_rcu callback ran).</summary>
    public IEnumerable<Wait> Synchronize(KTask task, ulong rcuHeadOnStack)
    {
        var c = _m.Cpus[task.Cpu];
        c.Enter(Syms.SynchronizeRcu);
        var done = new Completion(_m);
        CallRcu(c, rcuHeadOnStack, Syms.WakemeAfterRcu, cpu => done.Complete(cpu.Now));
        yield return done.WaitFor(task);
        c.Exit();
    }

    sealed record Callback(ulong Rhp, Sym Func, Action<Cpu>? Invoke, long ReadyAt);
}
