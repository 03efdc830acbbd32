using TraceReplay.Analysis.Rules;

namespace TraceReplay.Tests.Analysis;

/// <summary>Unsafe-free rules on hand-built call sequences shaped like kernel.md §5.2 (the seed signatures).</summary>
public sealed class UnsafeFreeTests
{
    const string IdLock = "&(&ss->id_lock)->rlock";
    const string TreeLock = "&(&rtpz->lock)->rlock";
    static readonly At Mkdir = At.Task(0, 812, "mkdir");
    static readonly At RcuCb = At.RcuSoftirq(1, 0, "swapper/1", "delayed_put_task_struct");

    /// <summary>3.7: mem_cgroup_create registers both locks SOFTIRQ-ON-W; the last put from the task destructor frees in softirq.</summary>
    static void SeedBeforeFix(ObserverDriver d)
    {
        d.Function(1000, Mkdir, "mem_cgroup_create", "cgroup_create");
        d.LockAcquire(1010, Mkdir, IdLock, 0xffff88000f000040);
        d.LockRelease(1020, Mkdir, IdLock, 0xffff88000f000040);
        d.LockAcquire(1030, Mkdir, TreeLock, 0xffff88000f100080);
        d.LockRelease(1040, Mkdir, TreeLock, 0xffff88000f100080);
        d.Function(9000, RcuCb, "mem_cgroup_put", "free_accounted_pages");
        d.Function(9010, RcuCb, "__mem_cgroup_free", "mem_cgroup_put");
        d.Function(9020, RcuCb, "mem_cgroup_remove_from_trees", "__mem_cgroup_free");
        d.LockAcquire(9021, RcuCb, TreeLock, 0xffff88000f100080);
        d.LockRelease(9022, RcuCb, TreeLock, 0xffff88000f100080);
        d.Function(9030, RcuCb, "free_css_id", "__mem_cgroup_free");
        d.LockAcquire(9031, RcuCb, IdLock, 0xffff88000f000040);
        d.LockRelease(9032, RcuCb, IdLock, 0xffff88000f000040);
    }

    [Fact]
    public void MemcgFreeInRcuSoftirq_On37_IsOneUnsafeFreePerConflictingLock_AtItsAcquisition()
    {
        var d = new ObserverDriver("3.7");
        SeedBeforeFix(d);
        var r = d.End();
        var t = r.Table("unsafe_frees");
        Assert.Equal(2, t.RowCount);
        // Row 0: the per-zone tree lock taken by mem_cgroup_remove_from_trees (event 9), registered at event 4.
        Assert.Equal(9021, t.Long("ts_ns", 0));
        Assert.Equal(TreeLock, t.Str("lock_class", 0));
        Assert.Equal(1030, t.Long("conflict_ts_ns", 0));
        Assert.Equal(9, t.Long("line", 0));
        // Row 1: the css id lock taken by free_css_id (event 12), registered at event 2.
        Assert.Equal(9031, t.Long("ts_ns", 1));
        Assert.Equal(IdLock, t.Str("lock_class", 1));
        Assert.Equal(1010, t.Long("conflict_ts_ns", 1));
        Assert.Equal(12, t.Long("line", 1));
        foreach (int i in t.Rows())
        {
            Assert.Equal(1, t.Int("cpu", i));
            Assert.Equal("rcu-callback", t.Str("context", i));
            Assert.Equal("memcg", t.Str("object_kind", i));
            Assert.Equal("memcg-free-sync-last-put", t.Str("rule", i));
            Assert.Equal(0, t.Int("conflict_cpu", i));
            Assert.Equal("task", t.Str("conflict_context", i));
            string evidence = t.Str("evidence", i)!;
            Assert.Contains("__mem_cgroup_free()", evidence);
            Assert.Contains("delayed_put_task_struct", evidence);
            Assert.Contains("mem_cgroup_create", evidence);
            Assert.Contains("{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}", evidence);
        }

        // The lock findings of the seed splat: both locks, registered in mem_cgroup_create, conflict under the RCU callback.
        var f = r.Table("lock_findings");
        var classes = f.Rows().Select(i => f.Str("lock_class", i)).OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.Equal([TreeLock, IdLock], classes); // ordinal order
        Assert.All(f.Rows(), i =>
        {
            Assert.Equal("{SOFTIRQ-ON-W}", f.Str("usage_from", i));
            Assert.Equal("{IN-SOFTIRQ-W}", f.Str("usage_to", i));
            Assert.Contains("mem_cgroup_create", f.Str("evidence", i));
            Assert.Contains("RCU callback delayed_put_task_struct", f.Str("evidence", i));
        });
    }

    [Fact]
    public void MemcgFreeInWorker_On38_IsSafe()
    {
        var d = new ObserverDriver("3.8");
        d.Function(1000, Mkdir, "mem_cgroup_css_alloc", "cgroup_create");
        d.LockAcquire(1010, Mkdir, IdLock, 0x40);
        d.LockRelease(1020, Mkdir, IdLock, 0x40);
        d.Function(9000, RcuCb, "mem_cgroup_put", "free_accounted_pages");
        d.Function(9005, RcuCb, "free_rcu", "rcu_process_callbacks");
        var worker = At.Worker(1, 44, "free_work");
        d.Function(9500, worker, "free_work", "process_one_work");
        d.Function(9510, worker, "__mem_cgroup_free", "free_work");
        d.Function(9520, worker, "free_css_id", "__mem_cgroup_free");
        d.LockAcquire(9521, worker, IdLock, 0x40);
        d.LockRelease(9522, worker, IdLock, 0x40);
        var r = d.End();
        Assert.Equal(0, r.Table("unsafe_frees").RowCount);
        Assert.Equal(0, r.Table("lock_findings").RowCount);
        Assert.Equal(1, d.Set.UnsafeFrees.Checked[("__mem_cgroup_free", TraceReplay.Replay.Model.ExecContext.Task)]);
    }

    [Fact]
    public void FreeCssIdAloneInSoftirq_IsReportedWithItsOwnRule()
    {
        var d = new ObserverDriver("3.8");
        d.Function(100, Mkdir, "alloc_css_id", "cgroup_create");
        d.Function(200, RcuCb, "free_css_id", "some_rcu_callback");
        var t = d.End().Table("unsafe_frees");
        Assert.Equal("css-id-free-in-irq", t.Str("rule", t.Rows().Single()));
        Assert.Equal(IdLock, t.Str("lock_class", 0)); // inferred: free_css_id takes the id lock (rule table)
        Assert.Equal(200, t.Long("ts_ns", 0));
        Assert.Equal(100, t.Long("conflict_ts_ns", 0));
    }

    [Fact]
    public void GraphStyle_NestedOperationIsPartOfTheEnclosingOne()
    {
        var d = new ObserverDriver("3.7");
        d.GraphEntry(1000, Mkdir, "mem_cgroup_create");
        d.LockAcquire(1010, Mkdir, IdLock, 0x40);
        d.LockRelease(1020, Mkdir, IdLock, 0x40);
        d.GraphExit(1030, Mkdir, "mem_cgroup_create", 30);
        d.GraphEntry(9010, RcuCb, "__mem_cgroup_free");
        d.GraphEntry(9030, RcuCb, "free_css_id");
        d.LockAcquire(9031, RcuCb, IdLock, 0x40);
        d.LockRelease(9032, RcuCb, IdLock, 0x40);
        d.GraphExit(9040, RcuCb, "free_css_id", 10);
        d.GraphExit(9050, RcuCb, "__mem_cgroup_free", 40);
        var t = d.End().Table("unsafe_frees");
        int i = t.Rows().Single(); // free_css_id is inside __mem_cgroup_free: one operation, one conflicting class
        Assert.Equal(9031, t.Long("ts_ns", i));
        Assert.Equal(IdLock, t.Str("lock_class", i));
        Assert.Contains("__mem_cgroup_free()", t.Str("evidence", i));
    }

    [Fact]
    public void VfreeInSoftirqOn36_IsAnUnsafeFreeWithoutLockClass()
    {
        var d = new ObserverDriver("3.6");
        d.Function(500, At.Softirq(0, 0, "swapper/0"), "vfree", "free_work_fn");
        d.Tracepoint(510, At.Softirq(0, 0, "swapper/0"), "softirq_exit", ObserverDriver.F("vec", 1L));
        var t = d.End().Table("unsafe_frees");
        int i = t.Rows().Single();
        Assert.Equal("vfree-in-interrupt-3.8", t.Str("rule", i));
        Assert.Equal("", t.Str("lock_class", i));
        Assert.Null(t.Long("conflict_ts_ns", i));
        Assert.Equal(500, t.Long("ts_ns", i));
    }

    [Fact]
    public void KfreeOfAnObjectWhoseLockIsHeld_IsReported()
    {
        var d = new ObserverDriver("6.1");
        var t = At.Task(0, 9, "x");
        d.Tracepoint(10, t, "kmalloc", ObserverDriver.F("ptr", 0xffff888100001000UL), ObserverDriver.F("bytes_alloc", 64L));
        d.LockAcquire(20, t, "&obj->lock", 0xffff888100001008);
        d.Tracepoint(30, t, "kfree", ObserverDriver.F("ptr", 0xffff888100001000UL));
        var r = d.End().Table("unsafe_frees");
        int i = r.Rows().Single();
        Assert.Equal("held-lock-freed", r.Str("rule", i));
        Assert.Equal("&obj->lock", r.Str("lock_class", i));
        Assert.Equal("0xffff888100001000", r.Str("object_key", i));
        Assert.Equal(20, r.Long("conflict_ts_ns", i));
    }

    [Fact]
    public void KfreeAfterTheLockWasReleased_IsFine()
    {
        var d = new ObserverDriver("6.1");
        var t = At.Task(0, 9, "x");
        d.Tracepoint(10, t, "kmalloc", ObserverDriver.F("ptr", 0x1000UL), ObserverDriver.F("bytes_alloc", 64L));
        d.LockAcquire(20, t, "&obj->lock", 0x1008);
        d.LockRelease(25, t, "&obj->lock", 0x1008);
        d.Tracepoint(30, t, "kfree", ObserverDriver.F("ptr", 0x1000UL));
        Assert.Equal(0, d.End().Table("unsafe_frees").RowCount);
    }

    [Fact]
    public void CssFreeWorkStartInProcessContext_IsCheckedAndSafe_On618()
    {
        var d = new ObserverDriver("");
        d.Tracepoint(10, At.Worker(0, 9, "css_free_rwork_fn"), "workqueue_execute_start",
            ObserverDriver.F("work", 0xabcUL), ObserverDriver.F("function", "css_free_rwork_fn"));
        Assert.Equal(0, d.End().Table("unsafe_frees").RowCount);
        Assert.Equal(1, d.Set.UnsafeFrees.Checked[("css_free_rwork_fn", TraceReplay.Replay.Model.ExecContext.Task)]);
    }

    [Fact]
    public void RuleTable_EveryRuleHasReasonSourceAndKnownContexts()
    {
        var rules = RuleTable.Default;
        Assert.NotEmpty(rules.FreeRules);
        Assert.All(rules.FreeRules, r =>
        {
            Assert.NotEmpty(r.Operations);
            Assert.False(string.IsNullOrWhiteSpace(r.Reason));
            Assert.False(string.IsNullOrWhiteSpace(r.Source));
        });
        Assert.Equal(rules.FreeRules.Count, rules.FreeRules.Select(r => r.Id).Distinct().Count());
    }
}
