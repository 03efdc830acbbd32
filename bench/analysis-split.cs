// Replay cost split by analysis (issues 3, 5): reads an ftrace text trace once into chunks, then times the replay with
// subsets of the analyses, median CPU time of N passes each (after one untimed warm-up pass of every configuration, so
// the first one does not pay the JIT). Run with the shipped runtime settings:
//   DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=0 dotnet run -c Release bench/analysis-split.cs -- FILE [N]
#:project ../src/TraceReplay.Ingest/TraceReplay.Ingest.csproj
#:project ../src/TraceReplay.Replay/TraceReplay.Replay.csproj
#:project ../src/TraceReplay.Analysis/TraceReplay.Analysis.csproj
#:property TieredPGO=false
using System.Diagnostics;
using TraceReplay.Analysis;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Replay.Engine;

string path = args[0];
int passes = args.Length > 1 ? int.Parse(args[1]) : 7;
string[] configs = args.Length > 2 ? args[2].Split(',') : ["none", "state", "state+locks", "state+lifetimes", "state+barriers", "state+locks+lifetimes+frees", "all"];
using var reader = new FtraceTextReader(File.OpenRead(path), new TraceInfo("speed", path));
var chunks = new List<EventChunk>();
// Chunks of the size `analyze` hands over (TraceJob.ChunkRows), so the replay sees the same chunk boundaries.
while (true) { var c = new EventChunk(4096); if (!reader.Read(c)) break; chunks.Add(c); }
var proc = Process.GetCurrentProcess();

double RunOnce(string cfg, out long events, out long allocated)
{
    var set = AnalysisSet.Create();
    var engine = new ReplayEngine { BatchFlush = static _ => { } };
    var parts = cfg.Split('+');
    if (cfg == "all") engine.Add(set.Pipeline);
    else if (cfg == "all-separate") foreach (var o in set.Observers) engine.Add(o);
    else if (cfg != "none")
    {
        engine.Add(set.State);
        if (parts.Contains("locks")) engine.Add(set.Locks);
        if (parts.Contains("frees")) engine.Add(set.UnsafeFrees);
        if (parts.Contains("barriers")) engine.Add(set.Barriers);
        if (parts.Contains("lifetimes")) engine.Add(set.Lifetimes);
    }
    proc.Refresh(); var c0 = proc.TotalProcessorTime;
    long a0 = GC.GetAllocatedBytesForCurrentThread();
    engine.Begin(reader.Info, reader.Names);
    foreach (var c in chunks) engine.Consume(c);
    engine.End();
    proc.Refresh();
    allocated = GC.GetAllocatedBytesForCurrentThread() - a0;
    events = engine.Events;
    return (proc.TotalProcessorTime - c0).TotalSeconds;
}

foreach (var cfg in configs) RunOnce(cfg, out _, out _); // warm-up: JIT every path before timing
foreach (var cfg in configs)
{
    var cpu = new List<double>();
    long events = 0, allocated = 0;
    for (int p = 0; p < passes; p++) cpu.Add(RunOnce(cfg, out events, out allocated));
    cpu.Sort();
    double median = cpu[cpu.Count / 2];
    Console.WriteLine($"{cfg,-30} events={events} cpu median {median:F3}s = {events / median / 1e6:F2} M ev/s = {median / events * 1e9:F0} ns/ev (min {cpu[0]:F3}s), {(double)allocated / events:F1} B/ev allocated");
}
