using System.Runtime.InteropServices;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Output;

namespace TraceReplay.Bench;

/// <summary>
/// `--events-parquet FILE [ROWS_PER_GROUP] [ZSTD_LEVEL]`: reads an ftrace text file and writes its events with
/// <see cref="EventsParquetWriter"/> on ONE thread, timing the reader and the writer apart (the tuning loop for the
/// writer's row-group size and zstd level; the whole-process figure is bench/ingest-parquet-speed.sh).
/// </summary>
public static class EventsParquetSpeed
{
    public static int Run(string[] args)
    {
        int rows = args.Length > 1 ? int.Parse(args[1]) : EventsParquetWriter.DefaultRowGroupRows;
        int level = args.Length > 2 ? int.Parse(args[2]) : 1;
        string output = Path.Combine(Path.GetTempPath(), $"events-parquet-bench-{Environment.ProcessId}.parquet");
        var info = new TraceInfo("bench", args[0]);
        using var reader = new FtraceTextReader(File.OpenRead(args[0]), info);
        var chunk = new EventChunk();
        long events = 0;
        var read = new ThreadCpuClock();
        var write = new ThreadCpuClock();
        using (var writer = new EventsParquetWriter(new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), rows, level))
        {
            read.Start();
            bool more = reader.Read(chunk);
            read.Stop();
            writer.Begin(info.Name, reader.Names);
            while (more)
            {
                events += chunk.Count;
                write.Start();
                writer.Append(chunk);
                write.Stop();
                read.Start();
                more = reader.Read(chunk);
                read.Stop();
            }
            write.Start();
            writer.Finish();
            write.Stop();
        }
        long bytes = new FileInfo(output).Length;
        File.Delete(output);
        Console.WriteLine($"events={events} rows/group={rows} zstd={level} CPU: read {read.Seconds:F2}s write {write.Seconds:F2}s " +
            $"= {write.Seconds * 1e9 / Math.Max(1, events):F0} ns/event, {bytes / 1e6:F1} MB");
        return 0;
    }

    /// <summary>CPU time of the calling thread between Start and Stop (wall time lies on a shared machine).</summary>
    sealed class ThreadCpuClock
    {
        long _started, _total;

        public double Seconds => _total / 1e9;
        public void Start() => _started = Now();
        public void Stop() => _total += Now() - _started;

        static long Now()
        {
            clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var ts);
            return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
        }

        [StructLayout(LayoutKind.Sequential)]
        struct TimeSpec { public long Seconds; public long Nanoseconds; }

        [DllImport("libc", SetLastError = false)]
        static extern int clock_gettime(int clock, out TimeSpec time);
    }
}
