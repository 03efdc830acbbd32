using TraceReplay.Analysis;
using TraceReplay.Core.Tables;
using TraceReplay.Ingest;
using TraceReplay.Replay.Engine;

namespace TraceReplay.Tests.Analysis;

/// <summary>Runs a trace file through the real pipeline (ingest, replay engine) with every analysis attached.</summary>
public static class AnalysisRun
{
    /// <param name="kernel">The kernel release when the trace does not state it (what `analyze --kernel` would pass).</param>
    public static (List<ReportTable> Reports, AnalysisSet Set, long Events) Run(string path, string? kernel = null)
    {
        var set = AnalysisSet.Create();
        using var reader = TraceOpener.Open(path, System.IO.Path.GetFileName(path));
        if (kernel is not null && reader.Info.Kernel.Length == 0)
            reader.Info.Kernel = kernel;
        var engine = new ReplayEngine { IngestErrors = reader.Errors };
        foreach (var o in set.Observers) engine.Add(o);
        var chunk = new TraceReplay.Core.Events.EventChunk();
        engine.Begin(reader.Info, reader.Names);
        while (reader.Read(chunk))
            engine.Consume(chunk);
        engine.End();
        return (engine.Reports, set, engine.Events);
    }
}
