using BenchmarkDotNet.Attributes;
using TraceReplay.Synth;

namespace TraceReplay.Bench;

/// <summary>
/// Synthetic trace generation speed: background traffic on 4 CPUs (the volume knob) in each style, written to a temp
/// file. Reports events/s via OperationsPerInvoke = events of one run (fixed by the seed). The 10 M-event
/// whole-process run with peak RSS is bench/synth-speed.sh.
/// </summary>
[MemoryDiagnoser]
[InProcess] // the box is shared and slow: building a separate benchmark process times out
[WarmupCount(1)]
[IterationCount(5)]
public class SynthBench
{
    string _path = "";

    /// <summary>Events one run writes (measured once for these options; the model is deterministic).</summary>
    const int Events = 387_102;

    [Params(SynthStyle.Function, SynthStyle.Kprobe, SynthStyle.FunctionGraph)]
    public SynthStyle Style { get; set; }

    [GlobalSetup]
    public void Setup() => _path = Path.Combine(Path.GetTempPath(), $"tracereplay-synthbench-{Style}.txt");

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var f in new[] { _path, _path + ".truth.json" })
            if (File.Exists(f)) File.Delete(f);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long Background20() =>
        SyntheticTrace.Write(new SynthOptions("background", "3.18", 4, 1, 20, Style), _path).Entries;
}
