// Replay speed over pre-read chunks, best and median of N passes: `dotnet run -c Release bench/replay-speed.cs -- FILE [N]`.
// A quick whole-process cross-check of ReplayBench (BenchmarkDotNet) on a loaded machine.
#:project ../src/TraceReplay.Ingest/TraceReplay.Ingest.csproj
#:project ../src/TraceReplay.Replay/TraceReplay.Replay.csproj
using System.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Replay.Engine;

string path = args[0];
int passes = args.Length > 1 ? int.Parse(args[1]) : 7;
Stream s = File.OpenRead(path);
if (path.EndsWith(".gz", StringComparison.Ordinal)) s = new System.IO.Compression.GZipStream(s, System.IO.Compression.CompressionMode.Decompress);
using var reader = new FtraceTextReader(s, new TraceInfo("speed", path));
var chunks = new List<EventChunk>();
while (true)
{
    var c = new EventChunk();
    if (!reader.Read(c)) break;
    chunks.Add(c);
}
var times = new List<double>();
var cpuTimes = new List<double>();
var thread = System.Diagnostics.Process.GetCurrentProcess();
long events = 0;
for (int p = 0; p < passes; p++)
{
    var cpu0 = thread.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    var engine = new ReplayEngine { BatchFlush = static _ => { } };
    engine.Begin(reader.Info, reader.Names);
    foreach (var c in chunks) engine.Consume(c);
    engine.End();
    times.Add(sw.Elapsed.TotalSeconds);
    thread.Refresh();
    cpuTimes.Add((thread.TotalProcessorTime - cpu0).TotalSeconds);
    events = engine.Events;
}
times.Sort();
cpuTimes.Sort();
// Wall time suffers when other processes share the cores; process CPU time (all threads, GC included) does not.
Console.WriteLine($"events={events} wall: best={events / times[0] / 1e6:F2}M/s median={events / times[times.Count / 2] / 1e6:F2}M/s"
    + $" cpu: best={events / cpuTimes[0] / 1e6:F2}M/s median={events / cpuTimes[cpuTimes.Count / 2] / 1e6:F2}M/s");
