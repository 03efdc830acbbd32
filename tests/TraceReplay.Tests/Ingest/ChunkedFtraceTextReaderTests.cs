using System.Text;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using Xunit;

namespace TraceReplay.Tests.Ingest;

/// <summary>
/// The chunked reader must give exactly what the sequential reader gives: every column of every row (names as text),
/// the reader facts and counters, and every error with its line and offset. Segments are made tiny so that cut
/// points land next to stack traces, multi-line prints, headers and broken lines.
/// </summary>
public sealed class ChunkedFtraceTextReaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("chunked-text-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly string[] s_fixtures =
    [
        "ingest/catapult_decompressed_atrace_data_tgid.txt", "ingest/lisa_trace_txt_tracecmd-report-R.txt", "ingest/paired_small.trace.txt.gz",
        "ingest/paired_small_v7.report-N.head3000.txt.gz", "ingest/paired_small_v7.report-R.head3000.txt.gz", "ingest/paired_small_v7.report-l.txt.gz",
        "ingest/paired_small_v7.report-t.head3000.txt.gz", "ingest/paired_small_v7.report-tsdiff.head3000.txt.gz", "ingest/paired_small_v7.report.txt.gz",
        "ingest/perfetto_bad_print.systrace", "ingest/perftools_funcgraph_example.txt", "ingest/perftools_functrace_example.txt",
        "ingest/sample_trace_6.18_memcg_free.txt", "ingest/small_v7zstd_x86tsc.report-l.head3000.txt.gz", "ingest/small_v7zstd_x86tsc.report.head3000.txt.gz",
        "ingest/syzkaller-report-116.txt", "ingest/tc_ftrace_syscalls.txt", "ingest/tc_trace-android-sched-irq-syscall.txt",
        "ingest/tc_trace-android-sched-irq.txt", "ingest/tc_trace-critical-path.txt", "ingest/tc_trace-func-graph_tracecmd-report.txt",
        "ingest/trappy_trace_failed_to_parse.txt", "ingest/trappy_trace_filesystem.txt", "ingest/trappy_trace_systrace.html",
    ];

    [Fact]
    public void EveryTextFixtureReadsTheSameInSegments()
    {
        int chunked = 0;
        foreach (var fixture in s_fixtures)
        {
            byte[] text = IngestTestUtil.FixtureBytes(fixture["ingest/".Length..]);
            foreach (int pieces in new[] { 3, 17, 60 })
                chunked += AssertSameAsSequential(fixture, text, Math.Max(256, text.Length / pieces), workers: 2, chunkCapacity: 64) ? 1 : 0;
        }
        // most fixtures can be cut (function_graph text, the HTML wrapper and tiny files cannot): the comparison is not vacuous
        Assert.True(chunked >= 50, $"only {chunked} of {s_fixtures.Length * 3} runs were cut into segments");
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 3)]
    [InlineData(5, 2)]
    public void CorruptedRealTextReadsTheSameInSegments(int seed, int workers)
    {
        // a real trace with lines broken, duplicated and inserted: garbage, blanks, lost-event markers, stray stack
        // frames, stack traces, header lines that change the flags legend mid-file (which forces the sequential rest)
        byte[] text = Mutate(IngestTestUtil.FixtureBytes("paired_small.trace.txt.gz"), new Random(seed), edits: 400);
        foreach (long segment in new long[] { 700, 5000, 60_000 })
            Assert.True(AssertSameAsSequential($"mutated seed {seed}", text, segment, workers, chunkCapacity: 100 + seed));
    }

    [Fact]
    public void AMidFileLegendChangeIsReadSequentiallyFromThere()
    {
        // the header says 4 flag columns (no migrate-disable); halfway a new legend announces migrate-disable, after
        // which the fifth flags character is the migrate-disable count: segments primed with the first header would
        // read it as something else
        var sb = new StringBuilder();
        sb.Append("# tracer: nop\n#\n#                              _-----=> irqs-off\n#                             / _----=> need-resched\n");
        sb.Append("#                            | / _---=> hardirq/softirq\n#                            || / _--=> preempt-depth\n");
        sb.Append("#                            ||| /     delay\n#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION\n");
        for (int i = 0; i < 400; i++)
        {
            if (i == 200)
                sb.Append("#                            ||||| / _-=> migrate-disable\n");
            sb.Append($"          <idle>-0       [001] d..2{(i < 200 ? '.' : '1')}  {1000 + i}.000100: sched_waking: comm=kworker/1:1 pid=75 prio=120 target_cpu=001\n");
        }
        byte[] text = Encoding.UTF8.GetBytes(sb.ToString());
        var path = Write("legend.txt", text);

        var (sequential, sequentialReader) = ReadSequential(path);
        sequentialReader.Dispose();
        using var reader = ChunkedFtraceTextReader.Open(path, new TraceInfo("t", path), workers: 2, segmentBytes: 2000);
        var chunkedReader = Assert.IsType<ChunkedFtraceTextReader>(reader);
        var rows = ReadRows(reader, 50);
        Assert.True(chunkedReader.FellBackToSequential);
        Assert.Equal(sequential, rows);
        // the change is real: migrate-disable is unknown before the legend line and 1 after it
        Assert.Contains(sequential, r => r.Contains("md=-1"));
        Assert.Contains(sequential, r => r.Contains("md=1"));
    }

    [Fact]
    public void ErrorsPastTheStoredLimitAreCountedAcrossSegments()
    {
        var sb = new StringBuilder("# tracer: nop\n");
        for (int i = 0; i < 3000; i++)
        {
            sb.Append($"          cat-{i + 1}   [000] ..... {100 + i}.000001: sys_enter: NR 0 (3, 7ffd, 1, 0, 0, 0)\n");
            sb.Append($"this is not a trace line {i}\n");
        }
        byte[] text = Encoding.UTF8.GetBytes(sb.ToString());
        // small segments spread the errors; large ones hold more errors than a log stores (1000), so some are only counted
        foreach (long segment in new long[] { 9000, text.Length / 2 - 1 })
            Assert.True(AssertSameAsSequential("errors", text, segment, workers: 3, chunkCapacity: 256));
    }

    [Fact]
    public void SmallFilesAndOneWorkerUseTheSequentialReader()
    {
        var path = Write("small.txt", IngestTestUtil.FixtureBytes("tc_trace-critical-path.txt"));
        using (var reader = ChunkedFtraceTextReader.Open(path, new TraceInfo("t", path), workers: 2))
            Assert.IsType<FtraceTextReader>(reader);
        using (var reader = ChunkedFtraceTextReader.Open(path, new TraceInfo("t", path), workers: 1, segmentBytes: 256))
            Assert.IsType<FtraceTextReader>(reader);
    }

    [Fact]
    public async Task DisposingMidwayStopsTheWorkers()
    {
        var path = Write("stop.txt", IngestTestUtil.FixtureBytes("paired_small.trace.txt.gz"));
        var reader = ChunkedFtraceTextReader.Open(path, new TraceInfo("t", path), workers: 2, segmentBytes: 20_000);
        Assert.IsType<ChunkedFtraceTextReader>(reader);
        var chunk = new EventChunk(16);
        Assert.True(reader.Read(chunk));
        var dispose = Task.Run(reader.Dispose);
        Assert.Same(dispose, await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(20))));
    }

    /// <summary>Compares both readers on the text; true when the chunked reader really cut it.</summary>
    bool AssertSameAsSequential(string what, byte[] text, long segmentBytes, int workers, int chunkCapacity)
    {
        var path = Write("input.txt", text);
        var (expectedRows, expected) = ReadSequential(path);
        var info = new TraceInfo("t", path);
        using var reader = ChunkedFtraceTextReader.Open(path, info, workers, segmentBytes);
        var rows = ReadRows(reader, chunkCapacity);
        Assert.True(expectedRows.Count == rows.Count, $"{what}, segments of {segmentBytes}: {rows.Count} rows, sequentially {expectedRows.Count}");
        for (int i = 0; i < rows.Count; i++)
            Assert.True(expectedRows[i] == rows[i], $"{what}, segments of {segmentBytes}, row {i}:\n  sequential {expectedRows[i]}\n  chunked    {rows[i]}");
        Assert.Equal(Facts(expected.Info), Facts(reader.Info));
        Assert.Equal(ErrorsOf(expected.Errors), ErrorsOf(reader.Errors));
        expected.Dispose();
        return reader is ChunkedFtraceTextReader { SegmentCount: >= 2 };
    }

    static (List<string> Rows, FtraceTextReader Reader) ReadSequential(string path)
    {
        var reader = new FtraceTextReader(File.OpenRead(path), new TraceInfo("t", path));
        return (ReadRows(reader, 1000), reader);
    }

    static List<string> ReadRows(IEventReader reader, int chunkCapacity)
    {
        var chunk = new EventChunk(chunkCapacity);
        var rows = new List<string>();
        while (reader.Read(chunk))
        {
            for (int i = 0; i < chunk.Count; i++)
            {
                var sb = new StringBuilder();
                sb.Append($"seq={chunk.Seq[i]} line={chunk.Line[i]} off={chunk.ByteOffset[i]} ts={chunk.TsNs[i]} cpu={chunk.Cpu[i]} pid={chunk.Pid[i]} ");
                sb.Append($"tgid={chunk.Tgid[i]} comm={reader.Names[chunk.Comm[i]]} event={reader.Names[chunk.Event[i]]} kind={chunk.Kind[i]} ");
                sb.Append($"flags={reader.Names[chunk.Flags[i]]} ctx={chunk.Context[i]} nr={chunk.NeedResched[i]} pd={chunk.PreemptDepth[i]} ");
                sb.Append($"md={chunk.MigrateDisable[i]} payload=[{Encoding.UTF8.GetString(chunk.Payload(i))}]");
                for (int f = chunk.FieldStart[i]; f < chunk.FieldStart[i] + chunk.FieldCount[i]; f++)
                    sb.Append($" {reader.Names[chunk.FieldKey[f]]}:{chunk.FieldTypes[f]}:{chunk.FieldValue[f]}:[{Encoding.UTF8.GetString(chunk.FieldText(f))}]");
                rows.Add(sb.ToString());
            }
        }
        return rows;
    }

    static string Facts(TraceInfo i) =>
        $"{i.Format} {i.Variant} {i.HeaderCpus} {i.MaxCpuSeen} {i.EntriesInBuffer} {i.EntriesWritten} {i.Clock} {i.CounterClock} {i.FlagsWidth} " +
        $"{i.Tracer} lines={i.TotalLines} header={i.HeaderLines} blank={i.BlankLines} events={i.Events} lost={i.LostMarkers}/{i.LostEvents} cont={i.ContinuationLines}";

    static string ErrorsOf(IngestErrorLog log) =>
        $"total={log.Total} " + string.Join("; ", log.CountsByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")) +
        "\n" + string.Join("\n", log.Stored.Select(e => $"{e.Line} {e.ByteOffset} {e.Reason} [{e.Excerpt}]"));

    string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Line-level edits of a real trace, each kind chosen to sit badly next to a cut point.</summary>
    static byte[] Mutate(byte[] text, Random random, int edits)
    {
        var lines = Encoding.UTF8.GetString(text).Split('\n').ToList();
        string[] inserts =
        [
            "", "   ", "garbage that is no trace line", "CPU:1 [LOST 42 EVENTS]", "CPU:0 [EVENTS DROPPED]", " => kmem_cache_free+0x1a/0x30",
            "          <idle>-0       [001] d.h2. 5100.000001: <stack trace>", " => __schedule+0x2c4/0x8f0", " => schedule_idle+0x2a/0x40",
            "          bash-1234    [000] ..... 5100.000002: tracing_mark_write: first line of a note", "and its second line",
            "#                            ||||| / _-=> migrate-disable", "#                _-----=> irqs-off", "# tracer: function",
            "          bash-1234    [000] .....",
        ];
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(lines.Count);
            switch (random.Next(4))
            {
                case 0: lines.Insert(at, inserts[random.Next(inserts.Length)]); break;
                case 1: lines.Insert(at, lines[random.Next(lines.Count)]); break;
                case 2 when lines[at].Length > 4: lines[at] = lines[at][..random.Next(lines[at].Length)]; break;
                default: lines.RemoveAt(at); break;
            }
        }
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }
}
