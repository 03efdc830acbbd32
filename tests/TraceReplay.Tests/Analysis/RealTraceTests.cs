using TraceReplay.Analysis.Lifetimes;
using TraceReplay.Replay.Model;

namespace TraceReplay.Tests.Analysis;

/// <summary>
/// Real 6.18.44 captures (shared/traces/real, fixtures copied by the ingest branch into tests/data/ingest): a correct
/// kernel, so nothing may be flagged. Expected counts come from reading the files (grep), not from the analyses.
/// </summary>
public sealed class RealTraceTests
{
    static readonly string[] s_lifetimeBugs = [AnomalyKind.UseAfterFree, AnomalyKind.DoubleFree, AnomalyKind.Alias, AnomalyKind.DyingAtEnd];

    /// <param name="cssFrees">`grep -c 'workqueue_execute_start.*function css_free_rwork_fn'` on the uncompressed file.</param>
    [Theory]
    [InlineData("ingest/paired_small.trace.txt.gz", 10)]
    [InlineData("ingest/sample_trace_6.18_memcg_free.txt", 1)]
    public void Real618_NoUnsafeFree_EveryMemcgFreeInProcessContext_NoLifetimeBug(string file, int cssFrees)
    {
        var (reports, set, events) = AnalysisRun.Run(TestData.Path(file));
        Assert.True(events > 0);
        Assert.Equal(0, reports.Table("unsafe_frees").RowCount);
        Assert.Equal(0, reports.Table("lock_findings").RowCount);
        Assert.Equal(0, reports.Table("rcu_barriers").RowCount); // no kmem_cache_destroy in these captures

        var frees = set.UnsafeFrees.Checked.Where(kv => kv.Key.Operation == "css_free_rwork_fn").ToList();
        Assert.Equal(cssFrees, frees.Sum(kv => kv.Value));
        Assert.All(frees, kv => Assert.Equal(ExecContext.Task, kv.Key.Context));

        var anomalies = reports.Table("anomalies");
        Assert.DoesNotContain(anomalies.Rows(), r => s_lifetimeBugs.Contains(anomalies.Str("kind", r)));
        Assert.DoesNotContain(anomalies.Rows(), r => anomalies.Str("object_kind", r) == "memcg");
    }

    [Fact]
    public void PairedSmall_FiveMemcgsCreatedAndFreed_SlabFreesChecked()
    {
        // 5 cgroup_mkdir / 5 cgroup_rmdir / 5 cgroup_release events (awk over the event column).
        var (reports, set, _) = AnalysisRun.Run(TestData.Path("ingest/paired_small.trace.txt.gz"));
        var summary = reports.Table("summary");
        Assert.Equal(0, ((TraceReplay.Core.Tables.Column<long>)summary["unsafe_frees"])[0]);
        Assert.Equal(0, ((TraceReplay.Core.Tables.Column<long>)summary["anomaly_dying_at_end"])[0]);
        // Every kfree/kmem_cache_free is checked against the NMI rule: 1375 kfree + 5372 kmem_cache_free events.
        long slabFrees = set.UnsafeFrees.Checked.Where(kv => kv.Key.Operation is "kfree" or "kmem_cache_free").Sum(kv => kv.Value);
        Assert.Equal(1375 + 5372, slabFrees);
    }
}
