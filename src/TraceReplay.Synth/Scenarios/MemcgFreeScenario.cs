using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Scenarios;

/// <summary>
/// memcg-free: per memcg a shell ("bash") creates the group, forks a charged task that exits, then removes the
/// group and reaps the child. When the reap comes after rmdir (most rounds), the child's task_struct is freed by
/// delayed_put_task_struct in the RCU softirq and drops the memcg's last reference there: 3.7 runs
/// __mem_cgroup_free in softirq (unsafe, lockdep splat), 3.8 defers it to free_work in a kworker.
/// </summary>
public static class MemcgFreeScenario
{
    /// <summary>Schedules the scenario; returns the time by which it is planned to be over.</summary>
    public static long Plan(Machine m)
    {
        var era = new MemcgEraA(m);
        int n = m.Options.Memcgs;
        long spacing = 3_000_000;
        for (int i = 0; i < n; i++)
        {
            var memcg = new Memcg(i + 2, $"synth{i}", m.Kmem.NewAddr(1352));
            int cpu = i % m.Cpus.Length;
            bool reapAfterRmdir = i == 0 || m.Rng.Chance(0.7);
            long start = 200_000 + i * spacing + m.Rng.Range(0, 400_000);
            m.Spawn("bash", cpu, start, t => Controller(m, era, t, memcg, reapAfterRmdir));
        }
        return 200_000 + n * spacing + 12 * Rcu.GracePeriodNs;
    }

    static IEnumerable<Wait> Controller(Machine m, MemcgEraA era, KTask t, Memcg memcg, bool reapAfterRmdir)
    {
        var c = m.Cpus[t.Cpu];
        foreach (var w in era.Create(t, memcg)) yield return w;
        yield return Wait.Sleep(m.Rng.Range(50_000, 150_000));

        // fork a task into the group; it runs, charges and exits (cgroup_exit leaves the group empty).
        c.Enter(Syms.DoFork);
        c.Enter(Syms.DupTaskStruct);
        ulong taskStruct = m.Kmem.CacheAlloc(c, 5952, "GFP_KERNEL"u8);
        c.Exit();
        c.Exit();
        var exited = new Completion(m);
        int childCpu = (t.Cpu + 1) % m.Cpus.Length;
        m.Spawn("stress", childCpu, c.Now + m.Rng.Range(5_000, 20_000), child => Child(m, era, child, memcg, exited));
        yield return exited.WaitFor(t);

        if (reapAfterRmdir)
        {
            foreach (var w in era.Remove(t, memcg)) yield return w;
            yield return Wait.Sleep(m.Rng.Range(20_000, 80_000));
            Reap(m, era, c, taskStruct, memcg);
        }
        else
        {
            Reap(m, era, c, taskStruct, memcg);
            yield return Wait.Sleep(3 * Rcu.GracePeriodNs);
            foreach (var w in era.Remove(t, memcg)) yield return w;
        }
    }

    static void Reap(Machine m, MemcgEraA era, Cpu c, ulong taskStruct, Memcg memcg)
    {
        c.Enter(Syms.ReleaseTask);
        m.Rcu.CallRcu(c, taskStruct + 0x5a0, Syms.DelayedPutTaskStruct, cpu => era.DelayedPutTaskStruct(cpu, taskStruct, memcg));
        c.Exit();
    }

    static IEnumerable<Wait> Child(Machine m, MemcgEraA era, KTask t, Memcg memcg, Completion exited)
    {
        var c = m.Cpus[t.Cpu];
        era.Charge(c, memcg, zone: memcg.Id);
        for (int i = 0; i < 3; i++)
        {
            ulong p = m.Kmem.Kmalloc(c, 64 << m.Rng.Next(4), "GFP_KERNEL"u8);
            yield return Wait.Busy(m.Rng.Range(20_000, 60_000));
            m.Kmem.Kfree(c, p);
        }
        c.Enter(Syms.DoExit);
        c.Step(500, 1_500);
        c.Exit();
        exited.Complete(c.Now);
    }
}
