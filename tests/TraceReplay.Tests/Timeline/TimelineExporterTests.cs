using System.Text.Json;
using TraceReplay.Cli.Commands;
using TraceReplay.Core.Tables;
using TraceReplay.Output;
using TraceReplay.Output.Timeline;

namespace TraceReplay.Tests.Timeline;

/// <summary>
/// export-timeline over the hand-written output folder tests/data/timeline/out-csv (two traces). Expected values are
/// read off the CSV files by hand: ns / 1000 = µs, "X" spans for contexts and work, "b"/"e" for lifetimes.
/// </summary>
public sealed class TimelineExporterTests : IDisposable
{
    const string TraceA = "run1/a.txt";
    static readonly string CsvFolder = TestData.Path("timeline/out-csv");
    readonly string _dir = Directory.CreateTempSubdirectory("tr-timeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static byte[] Export(TimelineOptions options)
    {
        using var ms = new MemoryStream();
        TimelineExporter.Export(options, ms);
        return ms.ToArray();
    }

    static List<JsonElement> Events(byte[] json)
    {
        var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => e.GetProperty("ph").GetString() != "M").ToList();
    }

    static JsonElement Single(List<JsonElement> events, string ph, string name)
        => Assert.Single(events, e => e.GetProperty("ph").GetString() == ph && e.GetProperty("name").GetString() == name);

    [Fact]
    public void Contexts_become_nested_complete_events_on_cpu_tracks()
    {
        var ev = Events(Export(new TimelineOptions(CsvFolder, TraceA)));
        var spans = ev.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == 1).ToList();
        Assert.Equal(["bash (100)", "softirq RCU", "hardirq timer", "kworker/1:1 (41)"], spans.Select(e => e.GetProperty("name").GetString()));
        var soft = Single(ev, "X", "softirq RCU");
        Assert.Equal(1002m, soft.GetProperty("ts").GetDecimal());
        Assert.Equal(0.5m, soft.GetProperty("dur").GetDecimal());
        Assert.Equal(0, soft.GetProperty("tid").GetInt32());
        var hard = Single(ev, "X", "hardirq timer");
        Assert.Equal(1002.1m, hard.GetProperty("ts").GetDecimal());
        Assert.Equal(0.1m, hard.GetProperty("dur").GetDecimal());
        Assert.True(Single(ev, "X", "bash (100)").GetProperty("args").GetProperty("uncertain").GetBoolean());
        Assert.Equal(1, Single(ev, "X", "kworker/1:1 (41)").GetProperty("tid").GetInt32());
        Assert.DoesNotContain(ev, e => e.GetProperty("name").GetString() == "init (1)"); // trace b is not exported
    }

    [Fact]
    public void Work_items_have_execution_span_queue_instant_and_hex_work_pointer()
    {
        var ev = Events(Export(new TimelineOptions(CsvFolder, TraceA)));
        var run = Single(ev, "X", "css_free_rwork_fn");
        Assert.Equal(2, run.GetProperty("pid").GetInt32());
        Assert.Equal(1, run.GetProperty("tid").GetInt32());
        Assert.Equal(1006m, run.GetProperty("ts").GetDecimal());
        Assert.Equal(0.8m, run.GetProperty("dur").GetDecimal());
        Assert.Equal("0xffff8881113af318", run.GetProperty("args").GetProperty("work").GetString());
        Assert.Equal(3700, run.GetProperty("args").GetProperty("queue_latency_ns").GetInt64());
        var queue = Single(ev, "i", "queue css_free_rwork_fn");
        Assert.Equal(1002.3m, queue.GetProperty("ts").GetDecimal());
        Assert.Equal(0, queue.GetProperty("tid").GetInt32());
        Assert.DoesNotContain(ev, e => e.GetProperty("name").GetString() == "other_fn");
    }

    [Fact]
    public void Lifetimes_are_async_spans_with_nested_dying_span_closed_inner_first()
    {
        var ev = Events(Export(new TimelineOptions(CsvFolder, TraceA)));
        var life = ev.Where(e => e.GetProperty("pid").GetInt32() == 3).ToList();
        // memcg:5 freed at 1006700; memcg:6 never freed: it ends at the summary's last_ns 1009000.
        var expected = new (string Ph, string Name, decimal Ts)[]
        {
            ("b", "memcg memcg:5:/tdat1", 1000.1m), ("b", "dying", 1001m), ("b", "memcg memcg:6:/tdat2", 1004m),
            ("b", "dying", 1004.5m), ("e", "dying", 1006.7m), ("e", "memcg memcg:5:/tdat1", 1006.7m),
            ("e", "dying", 1009m), ("e", "memcg memcg:6:/tdat2", 1009m),
        };
        Assert.Equal(expected, life.Select(e => (e.GetProperty("ph").GetString()!, e.GetProperty("name").GetString()!, e.GetProperty("ts").GetDecimal())));
        // Each lifetime's stages share its id.
        Assert.Equal(4, life.Count(e => e.GetProperty("id").GetString() == life[0].GetProperty("id").GetString()));
        Assert.Equal("freed", life[0].GetProperty("args").GetProperty("status").GetString());
    }

    [Fact]
    public void Findings_are_instants_on_their_cpu_or_process_wide_without_one()
    {
        var ev = Events(Export(new TimelineOptions(CsvFolder, TraceA)));
        var free = Single(ev, "i", "unsafe free: R1");
        Assert.Equal((1, 0, "t"), (free.GetProperty("pid").GetInt32(), free.GetProperty("tid").GetInt32(), free.GetProperty("s").GetString()));
        Assert.Equal(1002.4m, free.GetProperty("ts").GetDecimal());
        Assert.Equal("free in softirq, \"RCU\" callback", free.GetProperty("args").GetProperty("evidence").GetString());
        Assert.Equal(42, free.GetProperty("args").GetProperty("line").GetInt64());
        Assert.Equal(1000200, free.GetProperty("args").GetProperty("conflict_ts_ns").GetInt64());
        var anomaly = Single(ev, "i", "anomaly: dying_at_end memcg:6:/tdat2");
        Assert.Equal((4, "p"), (anomaly.GetProperty("pid").GetInt32(), anomaly.GetProperty("s").GetString()));
    }

    [Fact]
    public void Window_keeps_overlapping_spans_clipped_and_drops_the_rest()
    {
        var ev = Events(Export(new TimelineOptions(CsvFolder, TraceA, 1002000, 1003000)));
        var bash = Single(ev, "X", "bash (100)");
        Assert.Equal((1002m, 1m), (bash.GetProperty("ts").GetDecimal(), bash.GetProperty("dur").GetDecimal()));
        Assert.Equal(1000000, bash.GetProperty("args").GetProperty("start_ns").GetInt64()); // the unclipped span stays in args
        Assert.Equal(4, ev.Count(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == 1));
        Assert.DoesNotContain(ev, e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString() == "css_free_rwork_fn");
        Single(ev, "i", "queue css_free_rwork_fn");
        Single(ev, "i", "unsafe free: R1");
        Assert.DoesNotContain(ev, e => e.GetProperty("name").GetString()!.StartsWith("anomaly", StringComparison.Ordinal));
        var life = ev.Where(e => e.GetProperty("pid").GetInt32() == 3).Select(e => (e.GetProperty("ph").GetString(), e.GetProperty("name").GetString(), e.GetProperty("ts").GetDecimal())).ToList();
        Assert.Equal([("b", "memcg memcg:5:/tdat1", 1002m), ("b", "dying", 1002m), ("e", "dying", 1003m), ("e", "memcg memcg:5:/tdat1", 1003m)], life);
    }

    [Fact]
    public void Parquet_hive_partitions_and_csv_give_the_same_bytes_and_reruns_are_identical()
    {
        byte[] fromCsv = Export(new TimelineOptions(CsvFolder, TraceA));
        Assert.Equal(fromCsv, Export(new TimelineOptions(CsvFolder, TraceA)));

        // Same tables, typed, as Parquet only (single layout), and as CSV Hive partitions.
        string parquet = Path.Combine(_dir, "pq"), hive = Path.Combine(_dir, "hive");
        foreach (var file in Directory.GetFiles(CsvFolder, "*.csv"))
        {
            var table = Typed(TraceTableReader.Read(CsvFolder, Path.GetFileNameWithoutExtension(file), TraceA)!);
            TableFileWriter.WriteTable(parquet, table, csv: false, parquet: true);
            new ReportOutput(hive, OutputLayout.Partitioned, csv: true, parquet: false).WritePartition(TraceA, table);
        }
        Assert.Empty(Directory.GetFiles(parquet, "*.csv"));
        Assert.Equal(Text(fromCsv), Text(Export(new TimelineOptions(parquet, TraceA))));
        Assert.Equal(Text(fromCsv), Text(Export(new TimelineOptions(hive, TraceA))));
    }

    [Fact]
    public void Trace_names_resolve_by_unique_suffix()
    {
        var names = TraceTableReader.TraceNames(CsvFolder);
        Assert.Equal([TraceA, "run1/b.txt"], names);
        Assert.Equal(TraceA, ExportTimelineCommand.ResolveTrace("a.txt", names, out _));
        Assert.Null(ExportTimelineCommand.ResolveTrace("c.txt", names, out string? problem));
        Assert.Contains("run1/b.txt", problem);
        Assert.Null(ExportTimelineCommand.ResolveTrace(null, names, out _));
    }

    [Fact]
    public void Command_writes_the_file_and_rejects_unknown_traces()
    {
        string file = Path.Combine(_dir, "a.json");
        int rc = ExportTimelineCommand.Create().Parse(["export-timeline", CsvFolder, "--trace", "a.txt", "--out", file, "--from-ns", "1002000", "--to-ns", "1003000"]).Invoke();
        Assert.Equal(0, rc);
        Assert.Equal(Text(Export(new TimelineOptions(CsvFolder, TraceA, 1002000, 1003000))), File.ReadAllText(file));
        Assert.Equal(1, ExportTimelineCommand.Create().Parse(["export-timeline", CsvFolder, "--trace", "nope", "--out", file]).Invoke());
    }

    static string Text(byte[] b) => System.Text.Encoding.UTF8.GetString(b);

    /// <summary>The CSV fixture's string columns converted to the report types (as analyze writes them).</summary>
    static ReportTable Typed(ReportTable strings)
    {
        var t = new ReportTable(strings.Name);
        foreach (var c in strings.Columns)
        {
            var s = (Column<string?>)c;
            string n = c.Name;
            if (n is "work") Fill(t.UInt64(n), s, ulong.Parse);
            else if (n is "cpu" or "pid" or "queued_cpu" or "free_cpu" or "conflict_cpu" or "other_cpu" or "cpus") Fill(t.Int32(n), s, int.Parse);
            else if (n.EndsWith("_ns", StringComparison.Ordinal) || n is "line" or "events") Fill(t.Int64(n), s, long.Parse);
            else if (n is "uncertain") Fill(t.Bool(n), s, v => v == "true");
            else Fill(t.String(n), s, v => v);
        }
        return t;
    }

    static void Fill<T>(Column<T> into, Column<string?> from, Func<string, T> parse)
    {
        for (int r = 0; r < from.Count; r++)
            if (from.IsNull(r)) into.AppendNull(); else into.Append(parse(from[r]!));
    }
}
