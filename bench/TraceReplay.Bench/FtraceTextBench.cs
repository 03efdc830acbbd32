using System.Diagnostics;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;

namespace TraceReplay.Bench;

/// <summary>
/// Ftrace text ingest into EventChunks. BenchmarkDotNet: `--filter '*FtraceTextBench*'` (needs
/// FTRACE_BENCH_TEXT=/path/to/trace.txt, default: paired_medium unpacked into /tmp by bench/ingest-speed.sh).
/// Whole-process timing: `TraceReplay.Bench --ingest-text FILE` (used by bench/ingest-speed.sh with /usr/bin/time -v).
/// </summary>
[MemoryDiagnoser]
public class FtraceTextBench
{
    byte[] _text = [];

    [GlobalSetup]
    public void Setup()
    {
        string path = Environment.GetEnvironmentVariable("FTRACE_BENCH_TEXT") ?? "/tmp/tracereplay-bench/paired_medium.trace.txt";
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var m = new MemoryStream();
            gz.CopyTo(m);
            _text = m.ToArray();
        }
        else
        {
            _text = File.ReadAllBytes(path);
        }
    }

    /// <summary>Events per op = events in the file; divide to get events/s.</summary>
    [Benchmark]
    public long IngestFromMemory() => FtraceTextSpeed.Ingest(new MemoryStream(_text, writable: false));
}

/// <summary>The `--ingest-text FILE [repeats]` console path: reads a file through the reader and prints events/s.</summary>
public static class FtraceTextSpeed
{
    public static long Ingest(Stream input)
    {
        using var reader = new FtraceTextReader(input, new TraceInfo("bench", "bench"));
        var chunk = new EventChunk();
        long events = 0;
        while (reader.Read(chunk))
            events += chunk.Count;
        return events;
    }

    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: TraceReplay.Bench --ingest-text FILE");
            return 1;
        }
        var sw = Stopwatch.StartNew();
        var input = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long bytes = input.Length;
        long events = Ingest(input);
        sw.Stop();
        double s = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"events={events} bytes={bytes} seconds={s:F3} events_per_s={events / s:F0} MB_per_s={bytes / s / 1e6:F1}");
        return 0;
    }
}
