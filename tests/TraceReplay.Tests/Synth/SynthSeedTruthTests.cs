using System.Text.Json;
using TraceReplay.Synth;

namespace TraceReplay.Tests.Synth;

/// <summary>
/// The two seed patches, checked twice: from the ground-truth file and, independently, by counting lines of the
/// trace text here (flags column, kprobe brackets, rcu_barrier Begin lines).
/// </summary>
public class SynthSeedTruthTests
{
    static int Count(JsonElement truth, string array) => truth.GetProperty(array).GetArrayLength();

    /// <summary>free_css_id entries printed in softirq (flags column 3 = 's') by the function tracer.</summary>
    static int FreeCssIdInSoftirq(string path) =>
        SynthText.Events(path).Count(e => e.Body.StartsWith("free_css_id <-__mem_cgroup_free") && e.Flags[2] == 's');

    [Fact]
    public void Memcg_free_37_frees_in_softirq_and_lockdep_reports_it()
    {
        string path = SynthText.Generate(new SynthOptions("memcg-free", "3.7", 4, 11, 1, SynthStyle.Function, WithDmesg: true) { Memcgs = 6 }, "m37.txt");
        var truth = SynthText.Truth(path);
        var unsafeFrees = truth.GetProperty("unsafe_frees").EnumerateArray().ToList();
        Assert.NotEmpty(unsafeFrees);
        Assert.All(unsafeFrees, u => Assert.Equal("softirq", u.GetProperty("context").GetString()));

        int textSoftirqFrees = FreeCssIdInSoftirq(path);
        int truthIdLock = unsafeFrees.Count(u => u.GetProperty("lock_class").GetString() == "&(&ss->id_lock)->rlock");
        Assert.True(textSoftirqFrees > 0);
        Assert.Equal(textSoftirqFrees, truthIdLock);
        Assert.Equal(textSoftirqFrees, truth.GetProperty("counts").GetProperty("memcgs_freed_in_softirq").GetInt32());

        // lock_acquire of the id lock inside softirq, read from the text alone
        int idLockInSoftirq = SynthText.Events(path).Count(e =>
            e.Body.StartsWith("lock_acquire: ") && e.Body.EndsWith(" &(&ss->id_lock)->rlock") && e.Flags[2] == 's');
        Assert.Equal(textSoftirqFrees, idLockInSoftirq);

        string dmesg = File.ReadAllText(path + ".dmesg.txt");
        Assert.Contains("] [ INFO: inconsistent lock state ]\n", dmesg);
        Assert.Contains("] inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.\n", dmesg);
        Assert.Contains("[HC0[0]:SC1[1]:HE1:SE0] takes:", dmesg);
        Assert.Matches(@"\]  \(&\(&(rtpz->lock|ss->id_lock)\)->rlock\)\{\+\.\?\.\.\.\}, at: \[<ffffffff[0-9a-f]{8}>\] \S+\+0x[0-9a-f]+/0x[0-9a-f]+\n", dmesg);
        Assert.Contains("] {SOFTIRQ-ON-W} state was registered at:\n", dmesg);
        Assert.Contains("]  *** DEADLOCK ***\n", dmesg);
        Assert.True(truth.GetProperty("lockdep").GetProperty("splat").GetBoolean());
    }

    [Fact]
    public void Memcg_free_38_frees_only_in_the_free_work_kworker()
    {
        string path = SynthText.Generate(new SynthOptions("memcg-free", "3.8", 4, 11, 1, SynthStyle.Function, WithDmesg: true) { Memcgs = 6 }, "m38.txt");
        var truth = SynthText.Truth(path);
        Assert.Equal(0, Count(truth, "unsafe_frees"));
        Assert.Equal(6, truth.GetProperty("counts").GetProperty("memcgs_freed").GetInt32());
        Assert.False(truth.GetProperty("lockdep").GetProperty("splat").GetBoolean());
        Assert.DoesNotContain("inconsistent", File.ReadAllText(path + ".dmesg.txt"));

        var frees = SynthText.Events(path).Where(e => e.Body.StartsWith("__mem_cgroup_free <-")).ToList();
        Assert.Equal(6, frees.Count);
        Assert.All(frees, e =>
        {
            Assert.Equal("__mem_cgroup_free <-free_work", e.Body);
            Assert.StartsWith("kworker/", e.Comm);
            Assert.Equal('.', e.Flags[2]);
        });
        Assert.Equal(0, FreeCssIdInSoftirq(path));
    }

    /// <summary>Per destroy op read from kprobe brackets: rcu_barrier Begin lines and DESTROY_BY_RCU caches shut down (rcu_free_slab queued).</summary>
    static List<(string Probe, int Pid, int Begins, int RcuCaches)> OpsFromText(string path)
    {
        var ops = new List<(string, int, int, int)>();
        var open = new Dictionary<int, (string Probe, int Depth, int Begins, int Rcu, bool InShutdown, bool ShutdownRcu)>();
        foreach (var e in SynthText.Events(path))
        {
            bool isOpProbe(string body, string prefix) =>
                body.StartsWith(prefix + "kmem_cache_destroy_0:") || body.StartsWith(prefix + "memcg_unregister_all_caches_0:") || body.StartsWith(prefix + "memcg_destroy_kmem_caches_0:");
            if (open.TryGetValue(e.Pid, out var op))
            {
                if (isOpProbe(e.Body, "p_")) op.Depth++;
                else if (isOpProbe(e.Body, "r_"))
                {
                    op.Depth--;
                    if (op.Depth == 0) { ops.Add((op.Probe, e.Pid, op.Begins, op.Rcu)); open.Remove(e.Pid); continue; }
                }
                else if (e.Body.StartsWith("rcu_barrier: rcu_preempt Begin ")) op.Begins++;
                else if (e.Body.StartsWith("p___kmem_cache_shutdown_0:")) { op.InShutdown = true; op.ShutdownRcu = false; }
                else if (op.InShutdown && e.Body.StartsWith("rcu_callback: ") && e.Body.Contains(" func=rcu_free_slab ")) op.ShutdownRcu = true;
                else if (e.Body.StartsWith("r___kmem_cache_shutdown_0:")) { op.InShutdown = false; if (op.ShutdownRcu) op.Rcu++; }
                open[e.Pid] = op;
            }
            else if (isOpProbe(e.Body, "p_"))
                open[e.Pid] = (e.Body[..e.Body.IndexOf(':')], 1, 0, 0, false, false);
        }
        Assert.Empty(open);
        return ops;
    }

    [Fact]
    public void Cache_destroy_318_has_one_barrier_per_destroy_by_rcu_cache()
    {
        string path = SynthText.Generate(new SynthOptions("cache-destroy", "3.18", 4, 5, 1, SynthStyle.Kprobe), "c318.txt");
        var truthOps = SynthText.Truth(path).GetProperty("destroy_ops").EnumerateArray().ToList();
        Assert.NotEmpty(truthOps);
        Assert.All(truthOps, o => Assert.Equal(o.GetProperty("rcu_caches").GetInt32(), o.GetProperty("barrier_count").GetInt32()));
        Assert.Contains(truthOps, o => o.GetProperty("barrier_count").GetInt32() > 1);

        var textOps = OpsFromText(path);
        Assert.Equal(truthOps.Count, textOps.Count);
        Assert.All(textOps, o => Assert.Equal(o.RcuCaches, o.Begins));
        Assert.Equal(truthOps.Sum(o => o.GetProperty("barrier_count").GetInt32()), textOps.Sum(o => o.Begins));
        Assert.True(textOps.Count(o => o.Begins > 1) > 0);
    }

    [Fact]
    public void Cache_destroy_319_has_at_most_one_barrier_per_op()
    {
        string path = SynthText.Generate(new SynthOptions("cache-destroy", "3.19", 4, 5, 1, SynthStyle.Kprobe), "c319.txt");
        var truthOps = SynthText.Truth(path).GetProperty("destroy_ops").EnumerateArray().ToList();
        Assert.NotEmpty(truthOps);
        Assert.All(truthOps, o => Assert.True(o.GetProperty("barrier_count").GetInt32() <= 1));
        Assert.Contains(truthOps, o => o.GetProperty("rcu_caches").GetInt32() > 1);

        var textOps = OpsFromText(path);
        Assert.Equal(truthOps.Count, textOps.Count);
        Assert.All(textOps, o => Assert.Equal(o.RcuCaches > 0 ? 1 : 0, o.Begins));
    }

    /// <summary>Aliases read from kprobes: r_kmem_cache_create returns P while another task's kmem_cache_destroy(P) is between its p_ and r_.</summary>
    static int AliasesFromText(string path)
    {
        var destroying = new Dictionary<string, int>(); // arg → pid with an open outermost destroy
        var depth = new Dictionary<int, int>();
        int aliases = 0;
        foreach (var e in SynthText.Events(path))
        {
            if (e.Body.StartsWith("p_kmem_cache_destroy_0:"))
            {
                int d = depth.GetValueOrDefault(e.Pid);
                if (d == 0) destroying[e.Body[(e.Body.IndexOf("arg1=") + 5)..]] = e.Pid;
                depth[e.Pid] = d + 1;
            }
            else if (e.Body.StartsWith("r_kmem_cache_destroy_0:"))
            {
                depth[e.Pid]--;
                if (depth[e.Pid] == 0)
                    foreach (var k in destroying.Where(kv => kv.Value == e.Pid).Select(kv => kv.Key).ToList()) destroying.Remove(k);
            }
            else if (e.Body.StartsWith("r_kmem_cache_create_0:"))
            {
                string ret = e.Body[(e.Body.IndexOf("arg1=") + 5)..];
                if (destroying.TryGetValue(ret, out int pid) && pid != e.Pid) aliases++;
            }
        }
        return aliases;
    }

    [Fact]
    public void Alias_race_318_aliases_a_doomed_cache_and_319_never_does()
    {
        string before = SynthText.Generate(new SynthOptions("alias-race", "3.18", 4, 9, 1, SynthStyle.Kprobe) { Rounds = 4 }, "a318.txt");
        string after = SynthText.Generate(new SynthOptions("alias-race", "3.19", 4, 9, 1, SynthStyle.Kprobe) { Rounds = 4 }, "a319.txt");
        int truthBefore = Count(SynthText.Truth(before), "aliases");
        Assert.True(truthBefore > 0);
        Assert.Equal(truthBefore, AliasesFromText(before));
        Assert.Equal(0, Count(SynthText.Truth(after), "aliases"));
        Assert.Equal(0, AliasesFromText(after));
    }
}
