using BenchmarkDotNet.Attributes;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Bench;

/// <summary>
/// Decoding a trace.dat into EventChunks (issue 7: >= 2 M events/s, >= 10x `trace-cmd report`).
/// File: $TRACEREPLAY_TRACEDAT or shared/traces/real/large_v7zstd.dat (5.1 M events). Whole-process timing with
/// peak RSS: bench/tracedat-speed.sh (runs <see cref="DecodeOnce"/> via `TraceReplay.Bench tracedat-decode FILE`).
/// </summary>
[MemoryDiagnoser]
public class TraceDatBench
{
    public static string DefaultPath =>
        Environment.GetEnvironmentVariable("TRACEREPLAY_TRACEDAT") ?? "/work/shared/traces/real/large_v7zstd.dat";

    readonly EventChunk _chunk = new();

    [Benchmark]
    public long DecodeAll() => Decode(DefaultPath, _chunk);

    static long Decode(string path, EventChunk chunk, bool payloadText = true)
    {
        var info = new TraceInfo(Path.GetFileName(path), path);
        using var reader = new TraceDatReader(path, info) { PayloadText = payloadText };
        long rows = 0;
        while (reader.Read(chunk))
            rows += chunk.Count;
        return rows;
    }

    /// <summary>One decode of <paramref name="path"/>; prints rows, wall time, CPU time and events/s.</summary>
    public static void DecodeOnce(string path, bool payloadText = true)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        long rows = Decode(path, new EventChunk(), payloadText);
        sw.Stop();
        var cpuUsed = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"rows={rows} wall_s={sw.Elapsed.TotalSeconds:F3} cpu_s={cpuUsed.TotalSeconds:F3} " +
                          $"events_per_s_wall={rows / sw.Elapsed.TotalSeconds:F0} events_per_s_cpu={rows / cpuUsed.TotalSeconds:F0} " +
                          $"allocated_mb={GC.GetTotalAllocatedBytes() / 1e6:F0} gen0={GC.CollectionCount(0)} gen2={GC.CollectionCount(2)}");
    }
}
