namespace TraceReplay.Tests.Analysis;

/// <summary>rcu_barrier attribution per destroy operation (kernel.md §2.2–2.3) from each call-structure source.</summary>
public sealed class RcuBarrierTests
{
    static readonly At Rmmod = At.Task(0, 77, "rmmod");

    [Fact]
    public void Graph_RootDestroyWithRcuClone_CountsBothBarriers_Excess()
    {
        var d = new ObserverDriver("3.18");
        d.GraphEntry(1000, Rmmod, "kmem_cache_destroy");
        d.GraphEntry(1100, Rmmod, "memcg_cleanup_cache_params");
        d.GraphEntry(1200, Rmmod, "kmem_cache_destroy");           // the RCU clone
        d.GraphLeaf(1300, Rmmod, "rcu_barrier", 400);
        d.GraphExit(1800, Rmmod, "kmem_cache_destroy", 600);
        d.GraphExit(1900, Rmmod, "memcg_cleanup_cache_params", 800);
        d.GraphEntry(2000, Rmmod, "rcu_barrier");                  // the root's own barrier
        d.GraphExit(2500, Rmmod, "rcu_barrier", 500);
        d.GraphExit(2600, Rmmod, "kmem_cache_destroy", 1600);
        d.GraphLeaf(3000, Rmmod, "rcu_barrier", 100);              // after the op: not attributed
        var t = d.End().Table("rcu_barriers");
        int i = t.Rows().Single();
        Assert.Equal("kmem_cache_destroy", t.Str("op", i));
        Assert.Equal(1000, t.Long("start_ns", i));
        Assert.Equal(2600, t.Long("end_ns", i));
        Assert.Equal(2, t.Int("caches_destroyed", i));
        Assert.Equal(2, t.Int("rcu_caches", i));
        Assert.Equal(2, t.Int("barrier_count", i));
        Assert.Equal(900, t.Long("barrier_ns", i));
        Assert.Equal("excess", t.Str("verdict", i));
    }

    [Fact]
    public void KprobesAndTracepoint_OneBarrierPerDestroy_Ok_AndOtherTasksIgnored()
    {
        var d = new ObserverDriver("3.19");
        var other = At.Task(1, 90, "modprobe");
        d.Kprobe(1000, Rmmod, "kmem_cache_destroy", ObserverDriver.F("s", 0xffff880012340000UL));
        d.Tracepoint(1100, Rmmod, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "Begin"),
            ObserverDriver.F("cpu", -1L), ObserverDriver.F("cnt", 0L), ObserverDriver.F("done", 4L));
        d.Tracepoint(1150, other, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "Begin"));
        d.Tracepoint(1400, Rmmod, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "End"));
        d.Kretprobe(1500, Rmmod, "kmem_cache_destroy");
        var t = d.End().Table("rcu_barriers");
        int i = t.Rows().Single();
        Assert.Equal("0xffff880012340000", t.Str("op_key", i));
        Assert.Equal(1, t.Int("barrier_count", i));
        Assert.Equal(300, t.Long("barrier_ns", i));
        Assert.Equal(1500, t.Long("end_ns", i));
        Assert.Equal("ok", t.Str("verdict", i));
    }

    [Fact]
    public void FunctionTracer_BarrierRowAndBeginTracepointAreOneCall_ClonesNestByParent()
    {
        var d = new ObserverDriver("3.18");
        d.Function(1000, Rmmod, "kmem_cache_destroy", "SyS_delete_module");
        d.Function(1100, Rmmod, "kmem_cache_destroy", "memcg_unregister_cache");
        d.Function(1200, Rmmod, "rcu_barrier", "kmem_cache_destroy");
        d.Tracepoint(1201, Rmmod, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "Begin"));
        d.Function(1300, Rmmod, "kmem_cache_destroy", "memcg_unregister_cache");
        d.Function(1400, Rmmod, "rcu_barrier", "kmem_cache_destroy");
        d.Tracepoint(1401, Rmmod, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "Begin"));
        d.Function(1500, Rmmod, "rcu_barrier", "kmem_cache_destroy");
        d.Function(5000, Rmmod, "kmem_cache_destroy", "SyS_delete_module"); // a second, separate op without barriers
        var t = d.End().Table("rcu_barriers");
        Assert.Equal(2, t.RowCount);
        Assert.Equal(3, t.Int("caches_destroyed", 0));
        Assert.Equal(3, t.Int("barrier_count", 0));
        Assert.Equal("excess", t.Str("verdict", 0));
        Assert.Equal(0, t.Int("barrier_count", 1));
        Assert.Equal("ok", t.Str("verdict", 1));
    }

    [Fact]
    public void DestroyBatchWorkItem_IsAnOperation()
    {
        var d = new ObserverDriver("4.14");
        var w = At.Worker(0, 31, "slab_caches_to_rcu_destroy_workfn");
        d.Tracepoint(100, w, "workqueue_execute_start", ObserverDriver.F("work", 0xfeedUL), ObserverDriver.F("function", "slab_caches_to_rcu_destroy_workfn"));
        d.Tracepoint(110, w, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "Begin"));
        d.Tracepoint(120, w, "rcu_barrier", ObserverDriver.F("rcuname", "rcu_sched"), ObserverDriver.F("s", "EarlyExit"));
        d.Tracepoint(200, w, "workqueue_execute_end", ObserverDriver.F("work", 0xfeedUL));
        var t = d.End().Table("rcu_barriers");
        int i = t.Rows().Single();
        Assert.Equal("slab_caches_to_rcu_destroy_workfn", t.Str("op", i));
        Assert.Equal(1, t.Int("barrier_count", i));
        Assert.Equal(10, t.Long("barrier_ns", i));
        Assert.Equal(200, t.Long("end_ns", i));
    }
}
