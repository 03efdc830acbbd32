namespace TraceReplay.Synth.Model;

/// <summary>struct completion: one waiter is enough for the model (rcu_barrier, synchronize_rcu).</summary>
public sealed class Completion(Machine m)
{
    public bool Done { get; private set; }
    KTask? _waiter;

    /// <summary>wait_for_completion: continue at once when already completed, else block (D).</summary>
    public Wait WaitFor(KTask task)
    {
        if (Done) return Wait.None;
        _waiter = task;
        return Wait.BlockD;
    }

    public void Complete(long t)
    {
        Done = true;
        if (_waiter is { } w)
        {
            _waiter = null;
            m.Wake(w, t + m.Rng.Range(1_000, 4_000));
        }
    }
}

/// <summary>A sleeping mutex (slab_mutex, memcg_slab_mutex, cgroup_mutex, barrier_mutex) with FIFO hand-off.</summary>
public sealed class SleepLock(Machine m, LockInstance lockdep)
{
    readonly Queue<KTask> _waiters = new();

    public LockInstance Lockdep { get; } = lockdep;
    public KTask? Owner { get; private set; }

    /// <summary>mutex_lock: Wait.None when taken, else blocks until the owner hands it over. Call Acquired() after.</summary>
    public Wait Lock(KTask task)
    {
        if (Owner == null) { Owner = task; return Wait.None; }
        _waiters.Enqueue(task);
        return Wait.BlockD;
    }

    /// <summary>Emits lock_acquire once the task owns the mutex.</summary>
    public void Acquired(Cpu c) => c.MutexAcquired(Lockdep);

    public void Unlock(Cpu c)
    {
        c.MutexReleased(Lockdep);
        if (_waiters.Count > 0)
        {
            Owner = _waiters.Dequeue();
            m.Wake(Owner, c.Now + m.Rng.Range(2_000, 6_000));
        }
        else
            Owner = null;
    }
}
