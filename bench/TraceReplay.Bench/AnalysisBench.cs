using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using TraceReplay.Analysis;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;
using TraceReplay.Synth;

namespace TraceReplay.Bench;

/// <summary>
/// The whole `analyze` path on one core — text ingest, replay engine, and every analysis of <see cref="AnalysisSet"/> —
/// against the same path without analyses, so the analyses' share shows. Input: ANALYSIS_BENCH_TEXT (a trace text,
/// .gz allowed; e.g. shared/traces/real/paired_medium.trace.txt.gz) or, by default, a synthetic 3.18 cache-destroy +
/// background trace in kprobe style (lock, rcu_barrier, kmem, workqueue, irq and kprobe events) generated once into /tmp.
/// In-process (the loaded 2-core box times out BenchmarkDotNet's per-job builds). Events/s = <see cref="Events"/> / mean time. Run: `dotnet run -c Release --project bench/TraceReplay.Bench -- --filter '*AnalysisBench*'`.
/// </summary>
[MemoryDiagnoser]
[InProcess]
public class AnalysisBench
{
    byte[] _text = [];

    /// <summary>Events in the input (printed in the global setup log).</summary>
    public static long Events { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        string? path = Environment.GetEnvironmentVariable("ANALYSIS_BENCH_TEXT");
        if (path is null)
        {
            path = "/tmp/tracereplay-bench/analysis-cache-destroy-3.18-bg.txt";
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                SyntheticTrace.Write(new SynthOptions("cache-destroy", "3.18", 4, 7, Scale: 4, Style: SynthStyle.Kprobe, Background: true), path);
            }
        }
        _text = Read(path);
        Events = Run(withAnalyses: false);
        Console.WriteLine($"// AnalysisBench input {path}: {_text.Length} bytes, {Events} events");
    }

    [Benchmark(Baseline = true)]
    public long IngestReplay() => Run(withAnalyses: false);

    [Benchmark]
    public long IngestReplayAnalyses() => Run(withAnalyses: true);

    long Run(bool withAnalyses)
    {
        using var reader = new FtraceTextReader(new MemoryStream(_text, writable: false), new TraceInfo("bench", "bench") { Kernel = "3.18" });
        var observers = withAnalyses ? AnalysisSet.CreateAll().ToArray() : Array.Empty<IReplayObserver>();
        var engine = new ReplayEngine { BatchFlush = _ => { } };
        foreach (var o in observers) engine.Add(o);
        var chunk = new EventChunk();
        engine.Begin(reader.Info, reader.Names);
        while (reader.Read(chunk))
            engine.Consume(chunk);
        engine.End();
        return engine.Events;
    }

    static byte[] Read(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal))
            return File.ReadAllBytes(path);
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var m = new MemoryStream();
        gz.CopyTo(m);
        return m.ToArray();
    }
}
