using System.Diagnostics;
using System.IO.Compression;
using System.IO.Hashing;
using System.Runtime.InteropServices;
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
    public static long Ingest(Stream input) => Drain(new FtraceTextReader(input, new TraceInfo("bench", "bench")));

    static long Drain(IEventReader source)
    {
        using var reader = source;
        var chunk = new EventChunk();
        long events = 0;
        while (reader.Read(chunk))
            events += chunk.Count;
        return events;
    }

    /// <summary>
    /// `--ingest-text-digest FILE`: one hash over every column, field and name of every event, to check that a
    /// reader change keeps its output identical on inputs too big for golden files.
    /// </summary>
    public static int Digest(string[] args)
    {
        using var reader = new FtraceTextReader(File.OpenRead(args[0]), new TraceInfo("bench", "bench"));
        var chunk = new EventChunk();
        var hash = new XxHash64();
        long events = 0, fields = 0;
        while (reader.Read(chunk))
        {
            int n = chunk.Count;
            events += n;
            fields += chunk.FieldTotal;
            hash.Append(MemoryMarshal.AsBytes(chunk.Seq.AsSpan(0, n)));
            hash.Append(MemoryMarshal.AsBytes(chunk.Line.AsSpan(0, n)));
            hash.Append(MemoryMarshal.AsBytes(chunk.ByteOffset.AsSpan(0, n)));
            hash.Append(MemoryMarshal.AsBytes(chunk.TsNs.AsSpan(0, n)));
            foreach (var column in new[] { chunk.Cpu, chunk.Pid, chunk.Tgid, chunk.Comm, chunk.Event, chunk.Flags, chunk.FieldCount })
                hash.Append(MemoryMarshal.AsBytes(column.AsSpan(0, n)));
            hash.Append(MemoryMarshal.AsBytes(chunk.Kind.AsSpan(0, n)));
            hash.Append(MemoryMarshal.AsBytes(chunk.Context.AsSpan(0, n)));
            hash.Append(chunk.NeedResched.AsSpan(0, n));
            hash.Append(MemoryMarshal.AsBytes(chunk.PreemptDepth.AsSpan(0, n)));
            hash.Append(MemoryMarshal.AsBytes(chunk.MigrateDisable.AsSpan(0, n)));
            for (int row = 0; row < n; row++)
                hash.Append(chunk.Payload(row));
            for (int f = 0; f < chunk.FieldTotal; f++)
            {
                hash.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in chunk.FieldKey[f])));
                hash.Append([(byte)chunk.FieldTypes[f]]);
                hash.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<long>(in chunk.FieldValue[f])));
                hash.Append(chunk.FieldText(f));
            }
        }
        for (int id = 0; id < reader.Names.Count; id++)
            hash.Append(reader.Names.Utf8(id));
        var info = reader.Info;
        Console.WriteLine($"events={events} fields={fields} names={reader.Names.Count} lines={info.TotalLines} errors={reader.Errors.Total} " +
            $"headers={info.HeaderLines} blank={info.BlankLines} continuation={info.ContinuationLines} variant={info.Variant} digest={hash.GetCurrentHashAsUInt64():x16}");
        return 0;
    }

    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: TraceReplay.Bench --ingest-text FILE [REPEATS | threads=N]");
            return 1;
        }
        if (args.Length > 1 && args[1].StartsWith("threads=", StringComparison.Ordinal))
            return RunChunked(args[0], int.Parse(args[1]["threads=".Length..], System.Globalization.CultureInfo.InvariantCulture));
        if (args.Length > 1)
            return RunInMemory(args[0], int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        var sw = Stopwatch.StartNew();
        var input = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long bytes = input.Length;
        long events = Ingest(input);
        sw.Stop();
        double s = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"events={events} bytes={bytes} seconds={s:F3} events_per_s={events / s:F0} MB_per_s={bytes / s / 1e6:F1}");
        return 0;
    }

    /// <summary>`--ingest-text FILE threads=N`: the file parsed in segments on N threads (ChunkedFtraceTextReader).</summary>
    static int RunChunked(string path, int threads)
    {
        var sw = Stopwatch.StartNew();
        var reader = ChunkedFtraceTextReader.Open(path, new TraceInfo("bench", path), threads);
        string how = reader is ChunkedFtraceTextReader c ? $"segments={c.SegmentCount}" : "sequential";
        long events = Drain(reader);
        double s = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"events={events} threads={threads} {how} seconds={s:F3} events_per_s={events / s:F0}");
        return 0;
    }

    /// <summary>
    /// The file read into memory once, then ingested REPEATS times: CPU ns per event of each pass and their minimum
    /// and median (no I/O, JIT warm after the first pass), for comparing reader changes on a loaded machine.
    /// </summary>
    static int RunInMemory(string path, int repeats)
    {
        byte[] text = File.ReadAllBytes(path);
        var perEvent = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            long events = Ingest(new MemoryStream(text, writable: false));
            double ns = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / events;
            perEvent.Add(ns);
            Console.WriteLine($"pass {r + 1}: events={events} cpu_ns_per_event={ns:F1}");
        }
        perEvent.Sort();
        Console.WriteLine($"cpu ns/event: min {perEvent[0]:F1} median {perEvent[perEvent.Count / 2]:F1} of {repeats} passes");
        return 0;
    }
}
