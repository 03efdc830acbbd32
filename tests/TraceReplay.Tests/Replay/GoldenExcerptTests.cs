namespace TraceReplay.Tests.Replay;

/// <summary>
/// Golden rows for golden_tdat1.txt: 37 real lines of paired_small.trace.txt (6.18.44, raw pointers) covering the whole
/// life of memcg /tdat1. Every expected value below was written by reading those lines, not by running the replay.
/// </summary>
public sealed class GoldenExcerptTests
{
    static readonly Reports R = ReplayTestUtil.ReplayFixture("golden_tdat1.txt");

    [Fact]
    public void MemcgAndCgroupLifetimesOfTdat1()
    {
        var rows = R.Rows("lifetimes").Where(r => (string)r["kind"]! is "memcg" or "cgroup").ToList();
        Assert.Equal(2, rows.Count);
        var cgroup = rows.Single(r => (string)r["kind"]! == "cgroup");
        var memcg = rows.Single(r => (string)r["kind"]! == "memcg");

        // memory css: mkdir 853440, css_killed_work_fn starts 874370, css_release_work_fn starts 874443,
        // css_free_rwork_fn (work ffff88811e06b500 = destroy_work b4e0 + 0x20) starts 890922 on kworker/0:2, flags "....."
        Assert.Equal("4:136419:/tdat1", memcg["key"]);
        Assert.Equal(12300853440000L, memcg["created_ns"]);
        Assert.Equal(12300874370000L, memcg["offlined_ns"]);
        Assert.Equal(12300874443000L, memcg["released_ns"]);
        Assert.Equal(12300890922000L, memcg["freed_ns"]);
        Assert.Equal(0, memcg["free_cpu"]);
        Assert.Equal("task", memcg["free_context"]);
        Assert.Equal("kworker/0:2", memcg["free_comm"]);
        Assert.Equal("css_free_rwork_fn", memcg["free_function"]);
        Assert.Equal("freed", memcg["status"]);

        // self css: rmdir 855400; release work ffff88811823c060 (= struct cgroup ffff88811823c000 + 0x60) starts
        // 890953 and emits cgroup_release; its css_free_rwork_fn (…c080) starts 910189.
        Assert.Equal("4:136419:/tdat1", cgroup["key"]);
        Assert.Equal(12300853440000L, cgroup["created_ns"]);
        Assert.Equal(12300855400000L, cgroup["offlined_ns"]);
        Assert.Equal(12300890953000L, cgroup["released_ns"]);
        Assert.Equal(12300910189000L, cgroup["freed_ns"]);
        Assert.Equal("task", cgroup["free_context"]);
        Assert.Equal("kworker/0:2", cgroup["free_comm"]);
        Assert.Equal("freed", cgroup["status"]);
    }

    [Fact]
    public void MemcgStagesCarryTheirContexts()
    {
        var stages = R.Rows("lifetime_stages").Where(r => (string)r["kind"]! == "memcg")
            .Select(r => ((string)r["stage"]!, (long)r["ts_ns"]!, (string)r["context"]!, (string?)r["comm"])).ToList();
        Assert.Equal(new[]
        {
            ("mkdir", 12300853440000L, "task-atomic", (string?)"mkdir"),            // d..1.
            ("rmdir", 12300855400000L, "task-atomic", "rmdir"),                      // d..1.
            ("offline_queued", 12300874213000L, "rcu-callback", "ksoftirqd/0"),      // d.s1. inside softirq_entry vec=9
            ("offline", 12300874370000L, "task", "kworker/0:2"),                     // .....
            ("release_queued", 12300874426000L, "task-atomic", "kworker/0:2"),       // d..1.
            ("released", 12300874443000L, "task", "kworker/0:2"),
            ("free_queued", 12300890861000L, "rcu-callback", "<idle>"),              // dNs2. inside vec=9
            ("free", 12300890922000L, "task", "kworker/0:2"),
            ("free_done", 12300890952000L, "task", "kworker/0:2"),
        }, stages);
    }

    [Fact]
    public void WorkItemsOfTdat1()
    {
        var rows = R.Rows("work_items").Select(r => (
            (ulong)r["work"]!, (string)r["function"]!, (string)r["workqueue"]!, (long)r["queued_ns"]!, (string)r["queued_context"]!,
            (long)r["activated_ns"]!, (long)r["start_ns"]!, (long)r["end_ns"]!, (string)r["comm"]!, (long)r["queue_latency_ns"]!, (long)r["run_ns"]!)).ToList();
        Assert.Equal(new[]
        {
            (0xffff88811e06b4e0UL, "css_killed_work_fn", "cgroup_offline", 12300874213000L, "rcu-callback", 12300874214000L, 12300874370000L, 12300874428000L, "kworker/0:2", 157000L, 58000L),
            (0xffff88811e06b4e0UL, "css_release_work_fn", "cgroup_release", 12300874426000L, "task-atomic", 12300874427000L, 12300874443000L, 12300874454000L, "kworker/0:2", 17000L, 11000L),
            (0xffff88811e06b500UL, "css_free_rwork_fn", "cgroup_free", 12300890861000L, "rcu-callback", 12300890862000L, 12300890922000L, 12300890952000L, "kworker/0:2", 61000L, 30000L),
            (0xffff88811823c060UL, "css_release_work_fn", "cgroup_release", 12300890950000L, "task-atomic", 12300890951000L, 12300890953000L, 12300890960000L, "kworker/0:2", 3000L, 7000L),
            (0xffff88811823c080UL, "css_free_rwork_fn", "cgroup_free", 12300910170000L, "rcu-callback", 12300910172000L, 12300910189000L, 12300910212000L, "kworker/0:2", 19000L, 23000L),
        }, rows);
        Assert.All(R.Rows("work_items"), r => Assert.Equal(0, r["cpu"]));
    }

    [Fact]
    public void SoftirqContextRows()
    {
        var rows = R.Rows("contexts").Where(r => (string)r["kind"]! == "softirq")
            .Select(r => ((int)r["cpu"]!, (long)r["start_ns"]!, (long)r["end_ns"]!, (string?)r["detail"], (int)r["pid"]!, (string?)r["comm"], (bool)r["uncertain"]!)).ToList();
        Assert.Equal(new[]
        {
            (0, 12300874209000L, 12300874251000L, (string?)"RCU", 14, (string?)"ksoftirqd/0", false),
            (0, 12300890839000L, 12300890903000L, "RCU", 0, "<idle>", false),
            (0, 12300910165000L, 12300910181000L, "RCU", 0, "<idle>", false),
        }, rows);
        Assert.Empty(R.Rows("context_mismatches"));
        Assert.Equal(0L, R.Summary("context_mismatches"));
    }
}
