// Whole-process memory of the replay as the input grows: `dotnet run bench/replay-rss.cs -- FILE MEGABYTES`.
// (add `read-only` to measure the reader alone, the baseline). Streams the first MEGABYTES of FILE (ftrace text; see bench/replay-rss.sh, which builds a 1 GB file from the real
// paired_medium capture) through the text reader and the replay, with the streamed report tables handed to a writer
// that drops them (as the CSV/Parquet writers do after writing), and prints events, seconds and peak/current RSS.
#:project ../src/TraceReplay.Ingest/TraceReplay.Ingest.csproj
#:project ../src/TraceReplay.Replay/TraceReplay.Replay.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Memory;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Replay.Engine;

string path = args[0];
long limit = long.Parse(args[1]) * 1024 * 1024;
using var file = File.OpenRead(path);
using var limited = new LimitedStream(file, limit);
using var reader = new FtraceTextReader(limited, new TraceInfo("rss", path));
var engine = new ReplayEngine { BatchFlush = static _ => { } };
var sw = Stopwatch.StartNew();
var chunk = new EventChunk();
bool readOnly = args.Length > 2 && args[2] == "read-only"; // baseline: the reader alone
engine.Begin(reader.Info, reader.Names);
while (reader.Read(chunk))
{
    if (!readOnly) engine.Consume(chunk);
    GarbageBudget.Check(); // as the CLI's consumer loop does after each chunk
}
engine.End();
sw.Stop();
string status = File.ReadAllText("/proc/self/status");
string Field(string name) => status.Split('\n').First(l => l.StartsWith(name)).Split(':')[1].Trim();
long live = GC.GetTotalMemory(true);
Console.WriteLine($"mb={args[1]} events={engine.Events} seconds={sw.Elapsed.TotalSeconds:F2} VmHWM={Field("VmHWM")} VmRSS={Field("VmRSS")}"
    + $" managed_live_mb={live / 1048576.0:F1} names={reader.Names.Count}"
    + $" allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:F0} gcs={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
if (Environment.GetEnvironmentVariable("REPLAY_RSS_PROBE") == "1") Console.WriteLine(Probe.Sizes(engine));
GC.KeepAlive(engine);

sealed class LimitedStream(Stream inner, long limit) : Stream
{
    long _read;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, (int)Math.Min(count, limit - _read));
        _read += n;
        return n;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

static class Probe
{
    public static string Sizes(object root)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var f in root.GetType().GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance))
        {
            var v = f.GetValue(root);
            if (v is System.Collections.ICollection c) sb.Append($" {f.Name}={c.Count}");
            else if (v != null && v.GetType().Namespace?.StartsWith("TraceReplay") == true && !v.GetType().IsEnum && !v.GetType().IsPrimitive && v.GetType().IsClass)
                foreach (var g in v.GetType().GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance))
                    if (g.GetValue(v) is System.Collections.ICollection cc) sb.Append($" {f.Name}.{g.Name}={cc.Count}");
        }
        return sb.ToString();
    }
}
