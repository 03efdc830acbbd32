using System.Collections.Concurrent;
using System.Diagnostics;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Memory;
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
    /// <summary>Chunks in flight between the reading thread and the stage thread.</summary>
    const int ChunksInFlight = 4;

    /// <summary>Rows per chunk: small enough that a chunk the reader has just written is still in cache when the stages read it.</summary>
    const int ChunkRows = 4096;

    /// <summary>
    /// Reads on one thread while the stages (replay, analyses, writers) consume on the calling thread: a trace's
    /// time is then the slower of the two, not their sum. Chunks are recycled through a small pool, so memory
    /// stays bounded by ChunksInFlight chunks whatever the trace length.
    /// </summary>
    public static void RunEventStream(TraceResult result, IEventReader reader, IReadOnlyList<ITraceStage> stages)
    {
        var watch = Stopwatch.StartNew();
        var sinks = new List<IEventSink> { new StatsSink(result) };
        sinks.AddRange(stages);
        result.Info = reader.Info;
        result.ReaderErrors = reader.Errors;
        using var free = new BlockingCollection<EventChunk>(ChunksInFlight);
        using var full = new BlockingCollection<EventChunk>(ChunksInFlight);
        for (int i = 0; i < ChunksInFlight; i++) free.Add(new EventChunk(ChunkRows));
        using var stop = new CancellationTokenSource();
        Exception? readFailure = null;
        var readTask = Task.Run(() =>
        {
            try
            {
                while (true)
                {
                    var chunk = free.Take(stop.Token);
                    if (!reader.Read(chunk)) break;
                    full.Add(chunk, stop.Token);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { readFailure = e; }
            finally { full.CompleteAdding(); }
        });
        try
        {
            // The reader fills TraceInfo's header facts before its first chunk; stages begin once it has one.
            EventChunk? first = full.TryTake(out var c, Timeout.Infinite) ? c : null;
            foreach (var sink in sinks) sink.Begin(reader.Info, reader.Names);
            for (var chunk = first; chunk != null; chunk = full.TryTake(out var next, Timeout.Infinite) ? next : null)
            {
                foreach (var sink in sinks)
                    sink.Consume(chunk);
                free.Add(chunk);
                GarbageBudget.Check();
            }
            readTask.Wait();
            if (readFailure != null)
                throw new IOException($"reading failed: {readFailure.Message}", readFailure);
            foreach (var sink in sinks) sink.End();
            foreach (var stage in stages)
                result.Tables.AddRange(stage.Reports());
        }
        finally
        {
            stop.Cancel();
            try { readTask.Wait(); } catch (AggregateException) { }
            // Stages that write files delete their temporaries unless they committed.
            foreach (var stage in stages)
                (stage as IDisposable)?.Dispose();
        }
        result.Elapsed = watch.Elapsed;
    }
}
