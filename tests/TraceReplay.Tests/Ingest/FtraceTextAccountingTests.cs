using TraceReplay.Core.Events;

namespace TraceReplay.Tests.Ingest;

/// <summary>Every line of every real/public text fixture ends up as an event, an error, a header/blank or a continuation line.</summary>
public sealed class FtraceTextAccountingTests
{
    public static readonly string[] FixtureNames =
    [
        "paired_small.trace.txt.gz", "sample_trace_6.18_memcg_free.txt", "catapult_decompressed_atrace_data_tgid.txt",
        "lisa_trace_txt_tracecmd-report-R.txt", "perfetto_bad_print.systrace", "perftools_funcgraph_example.txt",
        "perftools_functrace_example.txt", "tc_ftrace_syscalls.txt", "tc_trace-android-sched-irq-syscall.txt",
        "tc_trace-android-sched-irq.txt", "tc_trace-critical-path.txt", "tc_trace-func-graph_tracecmd-report.txt",
        "trappy_trace_failed_to_parse.txt", "trappy_trace_filesystem.txt", "trappy_trace_systrace.html",
        "paired_small_v7.report-l.txt.gz", "paired_small_v7.report.txt.gz",
        "paired_small_v7.report-t.head3000.txt.gz", "paired_small_v7.report-tsdiff.head3000.txt.gz", "paired_small_v7.report-R.head3000.txt.gz",
        "paired_small_v7.report-N.head3000.txt.gz", "small_v7zstd_x86tsc.report.head3000.txt.gz", "small_v7zstd_x86tsc.report-l.head3000.txt.gz",
    ];

    public static TheoryData<string> Fixtures => new(FixtureNames);

    [Fact]
    public void ACutOffLastLineIsAnErrorNotAnEvent()
    {
        // a real capture cut mid-line: the cut event name has no ':' and would read as a function-tracer event
        const string complete = "           mkdir-11789   [000] ..... 12300.857710: kmem_cache_free: call_site=do_sys_openat2+0x88/0xd0 ptr=ffff888101bcb000 name=names_cache\n";
        const string cut = "           mkdir-11789   [000] ..... 12300.857712: kmem_cache_al";
        var (rows, reader) = IngestTestUtil.ReadText("# tracer: nop\n" + complete + complete + cut);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("kmem_cache_free", r.Event));
        var error = Assert.Single(reader.Errors.Stored);
        Assert.Equal(4, error.Line);
        Assert.Equal("# tracer: nop\n".Length + 2L * complete.Length, error.ByteOffset);
        Assert.StartsWith("last line has no newline", error.Reason);
        Assert.Equal(reader.Info.TotalLines, reader.Info.Events + reader.Errors.Total + reader.Info.HeaderLines);

        // the same lines each ended by a newline, and an unterminated header or blank last line, are no error
        Assert.Equal(0, IngestTestUtil.ReadText(complete + complete).Reader.Errors.Total);
        Assert.Equal(0, IngestTestUtil.ReadText(complete + "# the end").Reader.Errors.Total);
        Assert.Equal(0, IngestTestUtil.ReadText(complete + "   ").Reader.Errors.Total);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EveryLineIsAccountedFor(string fixture)
    {
        byte[] text = IngestTestUtil.FixtureBytes(fixture);
        var (rows, reader) = IngestTestUtil.ReadAll(text);
        var info = reader.Info;

        // independent line count: newlines, plus a last line without one
        long lines = text.Count(b => b == (byte)'\n') + (text.Length > 0 && text[^1] != (byte)'\n' ? 1 : 0);
        Assert.Equal(lines, info.TotalLines);
        Assert.Equal(rows.Count, info.Events);
        Assert.Equal(info.TotalLines, info.Events + reader.Errors.Total + info.HeaderLines + info.BlankLines + info.ContinuationLines);

        // each reported error names a real line, and that line produced no event
        var eventLines = rows.Select(r => r.Line).ToHashSet();
        foreach (var e in reader.Errors.Stored)
        {
            Assert.InRange(e.Line, 1, lines);
            Assert.DoesNotContain(e.Line, eventLines);
        }
        // seq is dense and lines increase
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, rows[i].Seq);
            if (i > 0) Assert.True(rows[i].Line > rows[i - 1].Line);
        }
        Assert.True(rows.Count > 0);
        // every row is named, and rows with a timestamp column carry a CPU
        Assert.All(rows, r => Assert.False(string.IsNullOrWhiteSpace(r.Event), $"line {r.Line} has no event name"));
        Assert.All(rows, r => Assert.True(r.Cpu >= 0, $"line {r.Line} has no cpu"));
    }
}
