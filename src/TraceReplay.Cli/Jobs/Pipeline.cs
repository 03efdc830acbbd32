using TraceReplay.Core.Events;
using TraceReplay.Core.Tables;
using TraceReplay.Analysis;
using TraceReplay.Ingest.ConsoleLog;
using TraceReplay.Output;
using TraceReplay.Replay.Engine;

namespace TraceReplay.Cli.Jobs;

/// <summary>
/// Which reader and which stages each kind of input goes through. The one place where ingest, replay, analyses
/// and output meet.
/// </summary>
public sealed class Pipeline
{
    /// <summary>The finding tables counted in every summary row, in column order (fixed, so partitions merge).</summary>
    static readonly string[] s_findingTables = ["unsafe_frees", "lock_findings", "rcu_barriers", "anomalies", "context_mismatches", "lockdep_reports"];

    /// <summary>
    /// Opens an event stream. The kernel release (which selects the era's rules) comes from the input itself
    /// (trace.dat uname), else --kernel, else a synthetic trace's companion FILE.truth.json (options.kernel).
    /// </summary>
    /// <param name="parseThreads">Threads that may parse a large plain text file in segments (1: the reading thread alone).</param>
    public IEventReader OpenEvents(string path, string traceName, BatchOptions options, int parseThreads = 1)
    {
        var reader = Ingest.TraceOpener.Open(path, traceName, parseThreads);
        // Only the events table shows payloads: without it a trace.dat reader renders just the fields.
        if (!options.Events && reader is Ingest.TraceDat.TraceDatReader dat)
            dat.PayloadText = false;
        if (reader.Info.Kernel.Length == 0)
            reader.Info.Kernel = options.Kernel ?? CompanionKernel(path) ?? "";
        return reader;
    }

    static string? CompanionKernel(string path)
    {
        string truth = path + ".truth.json";
        if (!File.Exists(truth)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(truth));
            return doc.RootElement.TryGetProperty("options", out var o) && o.TryGetProperty("kernel", out var k) ? k.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // a broken companion is not the trace's problem; the kernel stays unknown
        }
    }

    public IReadOnlyList<ITraceStage> Stages(BatchOptions options, TraceInput input, ReportOutput output)
    {
        var stages = new List<ITraceStage>();
        if (options.Events)
            stages.Add(new EventsStage(output.PartitionDirectory("events", input.Name), output.Csv, output.Parquet));
        if (options.Analyze)
            stages.Add(new ReplayStage(options, input, output));
        return stages;
    }

    public void ConsoleLog(TraceInput input, TraceResult result)
    {
        var log = ConsoleLogReader.Read(input.Path, input.Name, result.Errors);
        result.Info = new TraceInfo(input.Name, input.Path) { Format = TraceFormat.ConsoleLog, Compression = input.Compression, TotalLines = log.Lines };
        result.Tables.AddRange(log.Tables);
    }

    /// <summary>Schemas of every table a run can produce, so a table is present (empty) even when no input made rows.</summary>
    public IEnumerable<ReportTable> EmptySchemas(BatchOptions options)
    {
        yield return EventsTable.IngestErrors([]);
        foreach (var table in ConsoleLogReader.Read(new MemoryStream(), "", "", new Core.Diagnostics.IngestErrorLog("")).Tables)
            yield return table;
        if (options.Analyze)
            foreach (var table in ReplayStage.EmptyTables())
                yield return table;
        yield return Summary.Schema(FindingCounts(new TraceResult(new TraceInput("", "", "", TraceFormat.Unknown, ""))));
    }

    public IReadOnlyList<FindingCount> FindingCounts(TraceResult result)
    {
        var counts = new List<FindingCount>();
        foreach (string name in s_findingTables)
        {
            var table = result.Tables.FirstOrDefault(t => t.Name == name);
            counts.Add(new(name, table?.RowCount ?? 0));
            if (name == "rcu_barriers")
                counts.Add(new("rcu_barrier_excess", table is null ? 0 : CountWhere(table, "verdict", "excess")));
        }
        return counts;
    }

    static long CountWhere(ReportTable table, string column, string value)
    {
        if (table.Columns.FirstOrDefault(c => c.Name == column) is not Column<string?> c) return 0;
        long n = 0;
        foreach (var v in c.Values) if (v == value) n++;
        return n;
    }
}

/// <summary>How many rows of one finding kind a trace produced (a summary column). A class, not a KeyValuePair:
/// lists and LINQ over reference types run precompiled shared code, a struct instantiation is jitted every run.</summary>
public sealed record FindingCount(string Name, long Count);

/// <summary>Streams the events table into the trace's partition of events/.</summary>
sealed class EventsStage(string directory, bool csv, bool parquet) : ITraceStage, IDisposable
{
    readonly EventsFileSink _sink = new(directory, csv, parquet, "part");

    public void Begin(TraceInfo info, Core.Interning.NameTable names) => _sink.Begin(info, names);
    public void Consume(EventChunk chunk) => _sink.Consume(chunk);
    public void End() => _sink.End();
    public IEnumerable<ReportTable> Reports() => [];
    public void Dispose() => _sink.Dispose();
}

/// <summary>
/// Replay + every analysis. Large per-event tables (contexts, work_items, lifetimes, lifetime_stages) stream into the
/// trace's partitions batch by batch; the rest are returned at the end. The replay's own summary becomes
/// extra columns of the batch summary (see <see cref="Summary.Row"/>).
/// </summary>
sealed class ReplayStage : ITraceStage, IDisposable
{
    readonly ReplayEngine _engine;
    readonly ReportOutput _output;
    readonly string _trace;
    readonly Dictionary<string, TableFileWriter> _streamed = new(StringComparer.Ordinal);

    public ReplayStage(BatchOptions options, TraceInput input, ReportOutput output)
    {
        _output = output;
        _trace = input.Name;
        _engine = new ReplayEngine(new ReplayOptions { Cpus = options.Cpus > 0 ? options.Cpus : null }) { BatchFlush = Stream };
        foreach (var observer in AnalysisSet.CreateAll())
            _engine.Add(observer);
    }

    public void Begin(TraceInfo info, Core.Interning.NameTable names) => _engine.Begin(info, names);
    public void Consume(EventChunk chunk) => _engine.Consume(chunk);

    public void End()
    {
        _engine.End();
        foreach (var table in _engine.Reports)
        {
            if (_streamed.TryGetValue(table.Name, out var writer))
                writer.Write(table);
        }
        foreach (var writer in _streamed.Values)
            writer.Commit();
    }

    public IEnumerable<ReportTable> Reports()
    {
        foreach (var table in _engine.Reports)
        {
            if (_streamed.ContainsKey(table.Name)) continue;
            yield return table;
        }
    }

    void Stream(ReportTable batch)
    {
        if (!_streamed.TryGetValue(batch.Name, out var writer))
        {
            writer = new TableFileWriter(_output.PartitionDirectory(batch.Name, _trace), "part", _output.Csv, _output.Parquet);
            _streamed.Add(batch.Name, writer);
        }
        writer.Write(batch);
    }

    /// <summary>Empty tables with the replay's and analyses' columns (replay of a trace with no events).</summary>
    public static IEnumerable<ReportTable> EmptyTables()
    {
        var info = new TraceInfo("", "") { Format = TraceFormat.FtraceText };
        var engine = new ReplayEngine();
        foreach (var observer in AnalysisSet.CreateAll()) engine.Add(observer);
        engine.Begin(info, new Core.Interning.NameTable());
        engine.End();
        foreach (var t in engine.Reports)
            if (t.Name != "summary")
            {
                var empty = new ReportTable(t.Name).CopySchemaFrom(t);
                yield return empty;
            }
    }

    public void Dispose()
    {
        foreach (var writer in _streamed.Values)
            writer.Dispose();
    }
}
