using System.Diagnostics;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;

namespace TraceReplay.Cli.Jobs;

/// <summary>What one input produced: its report tables (each with a trace column), reader facts and errors.</summary>
public sealed class TraceResult
{
    public TraceResult(TraceInput input)
    {
        Input = input;
        Errors = new IngestErrorLog(input.Name);
    }

    public TraceInput Input { get; }
    public TraceInfo? Info { get; set; }
    /// <summary>Errors of the run itself (a crash of a stage, an unreadable file); the reader's own are in ReaderErrors.</summary>
    public IngestErrorLog Errors { get; }
    public IngestErrorLog? ReaderErrors { get; set; }
    public long ErrorCount => Errors.Total + (ReaderErrors?.Total ?? 0);
    public List<ReportTable> Tables { get; } = new();
    /// <summary>"ok", or "failed" when the input could not be read to its end.</summary>
    public string Status { get; set; } = "ok";
    public string Error { get; set; } = "";
    public long Events { get; set; }
    public long FirstNs { get; set; } = long.MaxValue;
    public long LastNs { get; set; } = long.MinValue;
    public TimeSpan Elapsed { get; set; }
}

/// <summary>Counts events and the time span while chunks stream past (the summary's own facts).</summary>
sealed class StatsSink(TraceResult result) : IEventSink
{
    public void Begin(TraceInfo info, NameTable names) { }

    public void Consume(EventChunk chunk)
    {
        result.Events += chunk.Count;
        for (int i = 0; i < chunk.Count; i++)
        {
            if (chunk.Kind[i] == EventKind.Lost) continue;
            long ts = chunk.TsNs[i];
            if (ts < result.FirstNs) result.FirstNs = ts;
            if (ts > result.LastNs) result.LastNs = ts;
        }
    }

    public void End() { }
}

/// <summary>A per-trace stage beside the readers: replay + analyses, the events writer, …</summary>
public interface ITraceStage : IEventSink
{
    /// <summary>Report tables the stage produced for the trace (after End).</summary>
    IEnumerable<ReportTable> Reports();
}

/// <summary>Runs one event-stream input through the stages: read chunk, hand it to each stage, repeat.</summary>
public static class TraceJob
{
    public static void RunEventStream(TraceResult result, IEventReader reader, IReadOnlyList<ITraceStage> stages)
    {
        var watch = Stopwatch.StartNew();
        var sinks = new List<IEventSink> { new StatsSink(result) };
        sinks.AddRange(stages);
        result.Info = reader.Info;
        result.ReaderErrors = reader.Errors;
        try
        {
            foreach (var sink in sinks) sink.Begin(reader.Info, reader.Names);
            var chunk = new EventChunk();
            while (reader.Read(chunk))
                foreach (var sink in sinks)
                    sink.Consume(chunk);
            foreach (var sink in sinks) sink.End();
            foreach (var stage in stages)
                result.Tables.AddRange(stage.Reports());
        }
        finally
        {
            // Stages that write files delete their temporaries unless they committed.
            foreach (var stage in stages)
                (stage as IDisposable)?.Dispose();
        }
        result.Elapsed = watch.Elapsed;
    }
}
