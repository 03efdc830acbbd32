using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>TraceInfo and decoded flag columns, expected values read from the fixtures' MANIFEST and trace-cmd -l output.</summary>
public class TraceDatInfoTests
{
    [Theory]
    [InlineData("small_v6", "dat-v6", 2, "local", false, "6.18.44-fc-v445", 13290)]
    [InlineData("small_v7", "dat-v7", 2, "local", false, "6.18.44-fc-v445", 13095)]
    [InlineData("small_v7zstd", "dat-v7-zstd", 2, "local", false, "6.18.44-fc-v445", 12941)]
    [InlineData("small_v7zstd_x86tsc", "dat-v7-zstd", 2, "x86-tsc", true, "6.18.44-fc-v445", 19237)]
    [InlineData("trappy_9ebbd97_tests_trace_v6_arm32", "dat-v6", 8, "", false, "", 547)]
    [InlineData("trappy_raw_trace_v6_arm64", "dat-v6", 6, "local", false, "", 757)]
    [InlineData("DERIVED_lisa_sched_load_trace_v7_zstd", "dat-v7-zstd", 6, "local", false, "", 3724)] // trace-cmd convert writes clock "local" into the v7 BUFFER option
    public void Trace_info_matches_manifest(string fixture, string variant, int cpus, string clock, bool counter, string kernel, long events)
    {
        var info = new TraceInfo(fixture, fixture);
        using var reader = new TraceDatReader(TraceDatFixtures.DatPath(fixture), info);
        var chunk = new EventChunk();
        long rows = 0;
        while (reader.Read(chunk))
            rows += chunk.Count;
        Assert.Equal(TraceFormat.TraceDat, info.Format);
        Assert.Equal(variant, info.Variant);
        Assert.Equal(cpus, info.HeaderCpus);
        Assert.Equal(clock, info.Clock);
        Assert.Equal(counter, info.CounterClock);
        Assert.Equal(kernel, info.Kernel);
        Assert.Equal(events, rows);
        Assert.Equal(events, info.Events);
    }

    [Fact]
    public void Latency_columns_decode_common_flags_like_the_l_report()
    {
        // paired_small_v7.report-l.txt.gz holds "d.s2." / "d.h1." / "..s1." style columns: check the decoded bits
        // against the letters trace-cmd printed for the same rows.
        var lines = TraceDatFixtures.ReportLines("paired_small_v7", "-l").Skip(1).ToList();
        var info = new TraceInfo("p", "p");
        using var reader = new TraceDatReader(TraceDatFixtures.DatPath("paired_small_v7"), info);
        var chunk = new EventChunk();
        int line = 0;
        var seen = new HashSet<string>();
        while (reader.Read(chunk))
            for (int i = 0; i < chunk.Count; i++, line++)
            {
                string flags = reader.Names[chunk.Flags[i]];
                Assert.Contains(flags, lines[line]);
                seen.Add(flags);
                var ctx = chunk.Context[i];
                Assert.True(ctx.HasFlag(ContextBits.Known));
                Assert.Equal(flags[0] == 'd', ctx.HasFlag(ContextBits.IrqsOff));
                Assert.Equal(flags[2] is 'h' or 'H', ctx.HasFlag(ContextBits.HardIrq));
                Assert.Equal(flags[2] is 's' or 'H', ctx.HasFlag(ContextBits.SoftIrq));
                Assert.Equal(flags[3] == '.' ? 0 : Convert.ToInt32(flags[3].ToString(), 16), chunk.PreemptDepth[i]);
                Assert.Equal(flags[4] == '.' ? 0 : Convert.ToInt32(flags[4].ToString(), 16), chunk.MigrateDisable[i]);
                // on 6.18 'N' from trace-cmd is NEED_RESCHED; our letter adds PREEMPT_RESCHED (kernel: N = both, n = need only)
                Assert.Equal(flags[1] == 'N', chunk.NeedResched[i] is (byte)'N' or (byte)'n' or (byte)'B' or (byte)'b');
            }
        Assert.Equal(lines.Count, line);
        Assert.True(seen.Count >= 5, string.Join(",", seen));
    }
}
