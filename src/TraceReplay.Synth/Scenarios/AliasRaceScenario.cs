using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Scenarios;

/// <summary>
/// alias-race: per round, "rmmod" destroys a mergeable root cache that has per-memcg clones while "modprobe" on
/// another CPU creates a cache of the same size. On 3.18 kmem_cache_destroy drops slab_mutex while it tears the clones
/// down, so the create can alias the doomed cache (refcount 0 → 1) that is then freed; on the modeled 3.19 the
/// create waits for slab_mutex and gets a new cache.
/// </summary>
public static class AliasRaceScenario
{
    public static long Plan(Machine m)
    {
        var slab = new Slab(m);
        var life = new CssMemcgLifecycle(m, slab);
        m.Spawn("sh", 0, 100_000, t => Driver(m, slab, life, t));
        return 100_000 + (long)m.Options.Rounds * 6_000_000 + 4_000_000;
    }

    static IEnumerable<Wait> Driver(Machine m, Slab slab, CssMemcgLifecycle life, KTask t)
    {
        var c = m.Cpus[t.Cpu];
        var memcgs = new List<CssMemcg>();
        for (int i = 0; i < m.Options.Memcgs; i++)
        {
            var memcg = new CssMemcg(i + 2, $"grp{i}", m.Kmem.NewAddr(1664));
            foreach (var w in life.Mkdir(t, memcg)) yield return w;
            memcgs.Add(memcg);
        }
        int other = m.Cpus.Length > 1 ? 1 : 0;
        for (int r = 0; r < m.Options.Rounds; r++)
        {
            var roots = new List<KmemCache>();
            string name = $"synth_race_{r}";
            int size = 320 + 16 * r;
            foreach (var w in slab.Create(t, name, size, rcu: false, roots.Add)) yield return w;
            for (int i = 0; i < memcgs.Count; i++)
            {
                var memcg = memcgs[i];
                m.Spawn("stress", (i + 1) % m.Cpus.Length, c.Now + m.Rng.Range(5_000, 50_000), st => CacheDestroyScenario.UseCaches(m, slab, st, memcg, roots));
            }
            yield return Wait.Sleep(2_000_000);

            var root = roots[0];
            long destroyAt = c.Now + 10_000;
            m.Spawn("rmmod", 0, destroyAt, rt => Destroy(m, slab, rt, root));
            // The create lands while the destroy walks the clones (3.18's unlocked window is ~K × 30 µs).
            long window = Math.Max(1, memcgs.Count) * 25_000L;
            m.Spawn("modprobe", other, destroyAt + m.Rng.Range(8_000, window), ct => CreateAndUse(m, slab, ct, name, size));
            yield return Wait.Sleep(4_000_000);
        }
    }

    static IEnumerable<Wait> Destroy(Machine m, Slab slab, KTask t, KmemCache root)
    {
        var c = m.Cpus[t.Cpu];
        c.Enter(Syms.SysDeleteModule);
        foreach (var w in slab.DestroyRoot(t, root)) yield return w;
        c.Exit();
    }

    static IEnumerable<Wait> CreateAndUse(Machine m, Slab slab, KTask t, string name, int size)
    {
        var c = m.Cpus[t.Cpu];
        c.Enter(Syms.SysInitModule);
        KmemCache? got = null;
        foreach (var w in slab.Create(t, name, size, rcu: false, s => got = s)) yield return w;
        c.Exit();
        yield return Wait.Sleep(m.Rng.Range(100_000, 300_000));
        // The module uses what it got back: on 3.18 after an alias this is the freed cache.
        ulong p = m.Kmem.CacheAlloc(c, got!.ObjSize, "GFP_KERNEL"u8);
        yield return Wait.Busy(m.Rng.Range(5_000, 20_000));
        m.Kmem.CacheFree(c, p);
    }
}
