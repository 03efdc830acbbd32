using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Scenarios;

/// <summary>
/// cache-destroy: M root caches (a fraction SLAB_DESTROY_BY_RCU) × K memcgs with a clone of each. Half the memcgs
/// are removed (memcg frees tear down their clones), then every root cache is destroyed ("rmmod"), then the rest of
/// the memcgs go. 3.18 issues one rcu_barrier per DESTROY_BY_RCU cache destroyed; the modeled 3.19 at most one per op.
/// </summary>
public static class CacheDestroyScenario
{
    public static long Plan(Machine m)
    {
        var slab = new Slab(m);
        var life = new CssMemcgLifecycle(m, slab);
        int k = m.Options.Memcgs, roots = m.Options.RootCaches;
        m.Spawn("sh", 0, 100_000, t => Driver(m, slab, life, t, k, roots));
        return 100_000 + (long)(k + 2) * roots * 4 * Rcu.GracePeriodNs;
    }

    public static bool IsRcu(int index, double fraction) => Math.Floor((index + 1) * fraction) > Math.Floor(index * fraction);

    static IEnumerable<Wait> Driver(Machine m, Slab slab, CssMemcgLifecycle life, KTask t, int k, int rootCount)
    {
        var roots = new List<KmemCache>();
        var memcgs = new List<CssMemcg>();
        var done = new Completion(m);
        m.Spawn("modprobe", 0, m.Cpus[t.Cpu].Now, mt => CreateRoots(m, slab, mt, rootCount, roots, done));
        yield return done.WaitFor(t);

        done = new Completion(m);
        m.Spawn("mkdir", 1 % m.Cpus.Length, m.Cpus[t.Cpu].Now, mt => Mkdirs(m, life, mt, k, memcgs, done));
        yield return done.WaitFor(t);

        for (int i = 0; i < memcgs.Count; i++)
        {
            var memcg = memcgs[i];
            m.Spawn("stress", i % m.Cpus.Length, m.Cpus[t.Cpu].Now + m.Rng.Range(10_000, 200_000), st => UseCaches(m, slab, st, memcg, roots));
        }
        yield return Wait.Sleep(3_000_000);

        int half = (k + 1) / 2;
        done = new Completion(m);
        m.Spawn("rmdir", 1 % m.Cpus.Length, m.Cpus[t.Cpu].Now, rt => Rmdirs(m, life, rt, memcgs.GetRange(0, half), done));
        yield return done.WaitFor(t);
        yield return Wait.Sleep(10 * Rcu.GracePeriodNs);

        done = new Completion(m);
        m.Spawn("rmmod", 0, m.Cpus[t.Cpu].Now, rt => DestroyRoots(m, slab, rt, roots, done));
        yield return done.WaitFor(t);

        done = new Completion(m);
        m.Spawn("rmdir", 1 % m.Cpus.Length, m.Cpus[t.Cpu].Now, rt => Rmdirs(m, life, rt, memcgs.GetRange(half, memcgs.Count - half), done));
        yield return done.WaitFor(t);
    }

    static IEnumerable<Wait> CreateRoots(Machine m, Slab slab, KTask t, int count, List<KmemCache> roots, Completion done)
    {
        for (int j = 0; j < count; j++)
        {
            bool rcu = IsRcu(j, m.Options.RcuFraction);
            foreach (var w in slab.Create(t, $"synth_cache_{j}", 192 + 40 * j, rcu, roots.Add)) yield return w;
        }
        done.Complete(m.Cpus[t.Cpu].Now);
    }

    static IEnumerable<Wait> Mkdirs(Machine m, CssMemcgLifecycle life, KTask t, int count, List<CssMemcg> memcgs, Completion done)
    {
        for (int i = 0; i < count; i++)
        {
            var memcg = new CssMemcg(i + 2, $"grp{i}", m.Kmem.NewAddr(1664));
            foreach (var w in life.Mkdir(t, memcg)) yield return w;
            memcgs.Add(memcg);
            yield return Wait.Sleep(m.Rng.Range(20_000, 60_000));
        }
        done.Complete(m.Cpus[t.Cpu].Now);
    }

    /// <summary>A task in the memcg allocates from every root cache: the first allocation schedules the clone's creation.</summary>
    public static IEnumerable<Wait> UseCaches(Machine m, Slab slab, KTask t, CssMemcg memcg, List<KmemCache> roots)
    {
        var c = m.Cpus[t.Cpu];
        foreach (var root in roots)
        {
            if (root.Destroyed) continue;
            var r = root;
            m.Workqueues.Queue(c, m.Workqueues.MemcgCacheWq,
                new Work(m.Kmem.NewAddr(64), Syms.MemcgKmemCacheCreateFunc, w => slab.CreateClone(w, r, memcg)));
            slab.UseCache(c, root, 1);
        }
        yield return Wait.Sleep(1_000_000);
        foreach (var clone in memcg.Caches.ToArray())
        {
            slab.UseCache(c, clone, 2 + m.Rng.Next(3));
            yield return Wait.Busy(m.Rng.Range(5_000, 20_000));
        }
    }

    static IEnumerable<Wait> Rmdirs(Machine m, CssMemcgLifecycle life, KTask t, List<CssMemcg> memcgs, Completion done)
    {
        foreach (var memcg in memcgs)
        {
            foreach (var w in life.Rmdir(t, memcg)) yield return w;
            yield return Wait.Sleep(m.Rng.Range(500_000, 1_000_000));
        }
        done.Complete(m.Cpus[t.Cpu].Now);
    }

    static IEnumerable<Wait> DestroyRoots(Machine m, Slab slab, KTask t, List<KmemCache> roots, Completion done)
    {
        var c = m.Cpus[t.Cpu];
        c.Enter(Syms.SysDeleteModule);
        foreach (var root in roots)
            foreach (var w in slab.DestroyRoot(t, root)) yield return w;
        c.Exit();
        done.Complete(c.Now);
    }
}
