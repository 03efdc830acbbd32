using TraceReplay.Analysis.Locks;

namespace TraceReplay.Tests.Analysis;

/// <summary>The lockdep rules of lockdep.md §8.5–8.10 on hand-built acquisitions; expected rows worked out by hand.</summary>
public sealed class LockdepRuleTests
{
    const string IdLock = "&(&ss->id_lock)->rlock";
    static readonly At Mkdir = At.Task(0, 812, "mkdir");
    static readonly At RcuCb = At.RcuSoftirq(1, 0, "swapper/1", "delayed_put_task_struct");

    [Fact]
    public void SoftirqOnThenInSoftirq_ReportsInconsistentWithBothEvents()
    {
        var d = new ObserverDriver("3.7");
        d.LockAcquire(1000, Mkdir, IdLock, 0xffff880001000010);
        d.LockRelease(1100, Mkdir, IdLock, 0xffff880001000010);
        d.LockAcquire(5000, RcuCb, IdLock, 0xffff880001000010);
        d.LockRelease(5100, RcuCb, IdLock, 0xffff880001000010);
        var r = d.End();

        var f = r.Table("lock_findings");
        var rows = f.Where("kind", LockFindingKind.Inconsistent).ToList();
        Assert.Single(rows);
        int i = rows[0];
        Assert.Equal(IdLock, f.Str("lock_class", i));
        Assert.Equal("{SOFTIRQ-ON-W}", f.Str("usage_from", i));
        Assert.Equal("{IN-SOFTIRQ-W}", f.Str("usage_to", i));
        Assert.Equal(5000, f.Long("ts_ns", i));
        Assert.Equal(1, f.Int("cpu", i));
        Assert.Equal(1000, f.Long("other_ts_ns", i));
        Assert.Equal(0, f.Int("other_cpu", i));
        Assert.Contains("delayed_put_task_struct", f.Str("evidence", i));

        // 3.7 prints six characters: hardirq-unsafe, softirq write both safe and unsafe.
        var u = r.Table("lock_usage");
        int bit = u.Where("usage_bit", "SOFTIRQ-ON-W").Single();
        Assert.Equal("{+.?...}", u.Str("usage", bit));
        Assert.Equal(1000, u.Long("first_ts_ns", bit));
        int inSoft = u.Where("usage_bit", "IN-SOFTIRQ-W").Single();
        Assert.Equal(5000, u.Long("first_ts_ns", inSoft));
        Assert.Equal("rcu-callback", u.Str("first_context", inSoft));
    }

    [Fact]
    public void InSoftirqThenSoftirqOn_ReportsReverseDirection_FourCharsOnModernKernel()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, At.Softirq(0, 0, "swapper/0"), "A", 0x10);
        d.LockRelease(11, At.Softirq(0, 0, "swapper/0"), "A", 0x10);
        d.LockAcquire(20, At.Task(1, 5, "cat"), "A", 0x10);
        var r = d.End();
        var f = r.Table("lock_findings");
        int i = f.Where("kind", LockFindingKind.Inconsistent).Single();
        Assert.Equal("{IN-SOFTIRQ-W}", f.Str("usage_from", i));
        Assert.Equal("{SOFTIRQ-ON-W}", f.Str("usage_to", i));
        Assert.Equal("{+.?.}", r.Table("lock_usage").Str("usage", 0));
    }

    [Fact]
    public void ReadInSoftirqAndReadWithSoftirqsOn_IsNotAConflict()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, At.Softirq(0, 0, "swapper/0"), "rw", 0x10, read: true);
        d.LockRelease(11, At.Softirq(0, 0, "swapper/0"), "rw", 0x10);
        d.LockAcquire(20, At.Task(1, 5, "cat"), "rw", 0x10, read: true);
        d.LockRelease(21, At.Task(1, 5, "cat"), "rw", 0x10);
        var r = d.End();
        Assert.Equal(0, r.Table("lock_findings").RowCount);
        // read chars only: hardirq-read enabled (+), softirq-read both in and enabled (?), legal for reads
        Assert.Equal("{.+.?}", r.Table("lock_usage").Str("usage", 0));
    }

    [Fact]
    public void WriteWithSoftirqsOnAfterReadInSoftirq_Conflicts()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, At.Softirq(0, 0, "swapper/0"), "rw", 0x10, read: true);
        d.LockRelease(11, At.Softirq(0, 0, "swapper/0"), "rw", 0x10);
        d.LockAcquire(20, At.Task(1, 5, "cat"), "rw", 0x10);
        var f = d.End().Table("lock_findings");
        int i = f.Where("kind", LockFindingKind.Inconsistent).Single();
        Assert.Equal("{IN-SOFTIRQ-R}", f.Str("usage_from", i));
        Assert.Equal("{SOFTIRQ-ON-W}", f.Str("usage_to", i));
    }

    [Fact]
    public void HardirqOnThenInHardirq_Reported()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, At.TaskBhOff(0, 7, "x"), "L", 0x10); // irqs on, BH off: HARDIRQ-ON-W only
        d.LockRelease(11, At.TaskBhOff(0, 7, "x"), "L", 0x10);
        d.LockAcquire(30, At.HardIrq(0, 7, "x"), "L", 0x10);
        var r = d.End();
        var f = r.Table("lock_findings");
        int i = f.Where("kind", LockFindingKind.Inconsistent).Single();
        Assert.Equal("{HARDIRQ-ON-W}", f.Str("usage_from", i));
        Assert.Equal("{IN-HARDIRQ-W}", f.Str("usage_to", i));
        Assert.DoesNotContain(r.Table("lock_usage").Rows(), row => r.Table("lock_usage").Str("usage_bit", row) == "SOFTIRQ-ON-W");
    }

    [Fact]
    public void BhDisabledTaskUseThenSoftirqUse_IsConsistent()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, At.TaskBhOff(0, 7, "x"), "bh_safe", 0x10); // spin_lock_bh
        d.LockRelease(11, At.TaskBhOff(0, 7, "x"), "bh_safe", 0x10);
        d.LockAcquire(20, At.Softirq(1, 0, "swapper/1"), "bh_safe", 0x10);
        var r = d.End();
        Assert.Equal(0, r.Table("lock_findings").RowCount);
        Assert.Equal("{+.-.}", r.Table("lock_usage").Str("usage", 0));
    }

    [Fact]
    public void TrylockInSoftirq_DoesNotMakeTheClassSoftirqSafe()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, Mkdir, "T", 0x10);
        d.LockRelease(11, Mkdir, "T", 0x10);
        d.LockAcquire(20, At.Softirq(1, 0, "swapper/1"), "T", 0x10, trylock: true);
        var r = d.End();
        Assert.Equal(0, r.Table("lock_findings").RowCount);
        Assert.DoesNotContain(r.Table("lock_usage").Rows(), row => r.Table("lock_usage").Str("usage_bit", row) == "IN-SOFTIRQ-W");
    }

    [Fact]
    public void HeldLockWhenIrqsComeBackOn_BecomesHardirqUnsafe()
    {
        var d = new ObserverDriver("6.1");
        d.LockAcquire(10, At.TaskIrqsOff(0, 7, "x"), "M", 0x10);
        d.Tracepoint(15, At.Task(0, 7, "x"), "sched_wakeup");           // same task, irqs on, still holding M
        d.LockRelease(20, At.Task(0, 7, "x"), "M", 0x10);
        var u = d.End().Table("lock_usage");
        int i = u.Where("usage_bit", "HARDIRQ-ON-W").Single();
        Assert.Equal(15, u.Long("first_ts_ns", i));
    }

    [Fact]
    public void OppositeOrderOnTwoTasks_ReportsCircularDependency()
    {
        var d = new ObserverDriver("6.1");
        var t1 = At.TaskBhOff(0, 10, "a");
        var t2 = At.TaskBhOff(1, 11, "b");
        d.LockAcquire(10, t1, "A", 0x10);
        d.LockAcquire(11, t1, "B", 0x20);
        d.LockRelease(12, t1, "B", 0x20);
        d.LockRelease(13, t1, "A", 0x10);
        d.LockAcquire(20, t2, "B", 0x20);
        d.LockAcquire(21, t2, "A", 0x10);
        var f = d.End().Table("lock_findings");
        int i = f.Where("kind", LockFindingKind.Circular).Single();
        Assert.Equal("B -> A", f.Str("lock_class", i));
        Assert.Equal(21, f.Long("ts_ns", i));
        Assert.Equal(11, f.Long("other_ts_ns", i)); // where A -> B was first taken
        Assert.Contains("A -> B", f.Str("evidence", i));
    }

    [Fact]
    public void SoftirqSafeHeldWhileTakingSoftirqUnsafe_ReportsSafeToUnsafe()
    {
        var d = new ObserverDriver("6.1");
        // S is softirq-safe (taken in softirq), U is softirq-unsafe (taken in a task with BH on).
        d.LockAcquire(10, At.Softirq(0, 0, "swapper/0"), "S", 0x10);
        d.LockRelease(11, At.Softirq(0, 0, "swapper/0"), "S", 0x10);
        d.LockAcquire(20, Mkdir, "U", 0x20);
        d.LockRelease(21, Mkdir, "U", 0x20);
        // A task takes S with BH off and then U: S -> U.
        var bhOff = At.TaskBhOff(1, 30, "w");
        d.LockAcquire(30, bhOff, "S", 0x10);
        d.LockAcquire(31, bhOff, "U", 0x20);
        var f = d.End().Table("lock_findings");
        int i = f.Where("kind", LockFindingKind.SafeToUnsafe).Single();
        Assert.Equal("S -> U", f.Str("lock_class", i));
        Assert.Equal("IN-SOFTIRQ-W", f.Str("usage_from", i));
        Assert.Equal("SOFTIRQ-ON-W", f.Str("usage_to", i));
        Assert.Equal(31, f.Long("ts_ns", i));
        Assert.Equal(20, f.Long("other_ts_ns", i));
    }

    [Fact]
    public void SameClassTwice_ReportsRecursiveLocking()
    {
        var d = new ObserverDriver("6.1");
        var t = At.Task(0, 3, "x");
        d.LockAcquire(10, t, "R", 0x10);
        d.LockAcquire(11, t, "R", 0x18);
        var f = d.End().Table("lock_findings");
        Assert.Equal(LockFindingKind.Recursive, f.Str("kind", f.Rows().Single()));
    }

    [Fact]
    public void NoLockEvents_InfersAcquisitionsFromLockTakingFunctions()
    {
        var d = new ObserverDriver("3.7");
        d.Function(100, Mkdir, "alloc_css_id", "cgroup_create");
        d.Function(900, RcuCb, "__mem_cgroup_free", "mem_cgroup_put");
        d.Function(901, RcuCb, "free_css_id", "__mem_cgroup_free");
        var r = d.End();
        var f = r.Table("lock_findings");
        int i = f.Where("kind", LockFindingKind.Inconsistent).Single();
        Assert.Equal(IdLock, f.Str("lock_class", i));
        Assert.Equal(901, f.Long("ts_ns", i));
        Assert.Equal(100, f.Long("other_ts_ns", i));
        Assert.Contains("inferred", f.Str("evidence", i));
        Assert.All(r.Table("lock_usage").Rows(), row => Assert.True(((TraceReplay.Core.Tables.Column<bool>)r.Table("lock_usage")["inferred"])[row]));
    }
}
