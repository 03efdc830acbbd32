using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>Real logs holding more than one report, expectations typed from the file.</summary>
public sealed class ConsoleMultiReportTests
{
    [Fact]
    public void Rcu_usage_report_followed_by_sleeping_function_report_166()
    {
        var file = CorpusFile.Load(TestData.Path("lockdep-extra/syzkaller-report-166.txt"));
        var reports = file.Parse().Reports;
        Assert.Equal(2, reports.Count);

        var rcu = reports[0];
        Assert.Equal(LockdepKind.SuspiciousRcuUsage, rcu.Kind);
        Assert.Equal(file.Title, rcu.Title);
        Assert.Equal("./include/linux/rcupdate.h:302 Illegal context switch in RCU read-side critical section!", rcu.Detail);
        Assert.Equal(["&ctx->mutex", "bpf_event_mutex", "rcu_read_lock"], rcu.HeldLocks.Select(h => h.Class));
        Assert.Equal("bpf_prog_array_copy_to_user", rcu.HeldLocks[2].AtFunction);
        Assert.False(rcu.Corrupted);

        var sleeping = reports[1];
        Assert.Equal(LockdepKind.SleepingInAtomic, sleeping.Kind);
        // syzkaller skip list: dump_stack, ___might_sleep, __might_sleep, __might_fault, *copy_to_user* are skipped
        Assert.Equal("BUG: sleeping function called from invalid context in bpf_prog_array_copy_info", sleeping.Title);
        Assert.Equal("lib/usercopy.c:25", sleeping.Detail);
        Assert.Equal(("syzkaller076311", 4159), (sleeping.Task, sleeping.Pid!.Value));
        Assert.Equal(3, sleeping.HeldLocks.Count);
        Assert.Equal(67 - 3, sleeping.Line); // line 67 of the file; the body starts after TITLE:, TYPE: and a blank line
    }
}
