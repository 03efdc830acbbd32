using BenchmarkDotNet.Attributes;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Replay.Engine;

namespace TraceReplay.Bench;

/// <summary>
/// Replay speed over pre-read chunks (ingest excluded): the real paired_medium text (505,634 events, 6.18, 2 CPUs).
/// Result is per event (OperationsPerInvoke = events); events/s = 1e9 / mean ns.
/// Run: `dotnet run -c Release --project bench/TraceReplay.Bench -- --filter '*ReplayBench*'` (needs ../shared or
/// REPLAY_BENCH_TRACE=path to an ftrace text file, .gz allowed).
/// </summary>
[MemoryDiagnoser]
public class ReplayBench
{
    List<EventChunk> _chunks = new();
    NameTable _names = null!;
    TraceInfo _info = null!;

    public const int Events = 505_634;

    [GlobalSetup]
    public void Setup()
    {
        string path = Environment.GetEnvironmentVariable("REPLAY_BENCH_TRACE") ?? FindShared("traces/real/paired_medium.trace.txt.gz");
        Stream s = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.Ordinal)) s = new System.IO.Compression.GZipStream(s, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new FtraceTextReader(s, new TraceInfo("bench", path));
        while (true)
        {
            var chunk = new EventChunk();
            if (!reader.Read(chunk)) break;
            _chunks.Add(chunk);
        }
        _names = reader.Names;
        _info = reader.Info;
        long n = _chunks.Sum(c => (long)c.Count);
        if (n != Events) throw new InvalidOperationException($"expected {Events} events, read {n} (set OperationsPerInvoke for another trace)");
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long Replay()
    {
        var engine = new ReplayEngine { BatchFlush = static _ => { } };
        engine.Begin(_info, _names);
        foreach (var c in _chunks) engine.Consume(c);
        engine.End();
        return engine.Events;
    }

    static string FindShared(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", relative);
            if (File.Exists(candidate)) return candidate;
        }
        return Path.Combine("/work/shared", relative);
    }
}
