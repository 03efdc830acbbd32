using TraceReplay.Core.Events;
using TraceReplay.Core.Tables;
using TraceReplay.Output;

namespace TraceReplay.Cli.Jobs;

/// <summary>
/// Which reader and which stages each kind of input goes through. The one place where ingest, replay, analyses
/// and output meet.
/// </summary>
public sealed class Pipeline
{
    /// <summary>The finding tables counted in every summary row, in column order (fixed, so partitions merge).</summary>
    static readonly string[] s_findingTables = ["unsafe_frees", "lock_findings", "rcu_barriers", "anomalies", "context_mismatches", "lockdep_reports"];

    public IEventReader OpenEvents(string path, string traceName) => Ingest.TraceOpener.Open(path, traceName);

    public IReadOnlyList<ITraceStage> Stages(BatchOptions options, TraceInput input, ReportOutput output)
    {
        var stages = new List<ITraceStage>();
        if (options.Events)
            stages.Add(new EventsStage(output.PartitionDirectory("events", input.Name), output.Csv, output.Parquet));
        return stages;
    }

    public void ConsoleLog(TraceInput input, TraceResult result)
    {
        result.Status = "failed";
        result.Error = "console logs are not supported yet";
        result.Errors.Add(0, 0, result.Error);
    }

    /// <summary>Schemas of every table a run can produce, so a table is present (empty) even when no input made rows.</summary>
    public IEnumerable<ReportTable> EmptySchemas(BatchOptions options)
    {
        yield return EventsTable.IngestErrors([]);
        yield return Summary.Schema(FindingCounts(new TraceResult(new TraceInput("", "", "", TraceFormat.Unknown, ""))));
    }

    public IReadOnlyList<KeyValuePair<string, long>> FindingCounts(TraceResult result)
    {
        var counts = new List<KeyValuePair<string, long>>();
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
