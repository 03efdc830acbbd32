using TraceReplay.Synth.Model;
using TraceReplay.Synth.Output;
using TraceReplay.Synth.Scenarios;
using TraceReplay.Synth.Truth;

namespace TraceReplay.Synth;

/// <summary>What one run produced.</summary>
public sealed record SynthResult(long Entries, long Lines, string TracePath, string TruthPath, string? DmesgPath);

/// <summary>
/// Entry point: runs the kernel model for the options and writes the trace (tracefs `trace` text of that kernel),
/// FILE.truth.json and, on request, FILE.dmesg.txt.
/// </summary>
public static class SyntheticTrace
{
    public static SynthResult Write(SynthOptions options, string outPath)
    {
        options.Validate();
        long bootNs = BootNs(options.Seed);
        long entries = 0;
        if (options.Style != SynthStyle.FunctionGraph)
        {
            // The 3.x header states entries-in-buffer/entries-written before the events: a cheap counting pass of the
            // same deterministic model gives it without buffering the trace.
            var counter = new TraceOutput(null, options.Style, options.Cpus);
            Run(options, counter, new TruthLog(), dmesg: false, bootNs);
            entries = counter.Entries;
        }

        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir != null) Directory.CreateDirectory(dir);
        var truth = new TruthLog();
        TraceOutput output;
        Dmesg? dmesg;
        using (var fs = new FileStream(outPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
        {
            output = new TraceOutput(fs, options.Style, options.Cpus, bootNs);
            output.WriteHeader(options.Style switch
            {
                SynthStyle.Function => "function",
                SynthStyle.FunctionGraph => "function_graph",
                _ => "nop",
            }, entries, options.Cpus);
            dmesg = Run(options, output, truth, options.WithDmesg, bootNs);
        }
        string truthPath = outPath + ".truth.json";
        truth.Write(truthPath, options, output.Entries, output.Lines, bootNs);
        string? dmesgPath = null;
        if (dmesg != null)
        {
            dmesgPath = outPath + ".dmesg.txt";
            dmesg.Write(dmesgPath);
        }
        return new SynthResult(output.Entries, output.Lines, outPath, truthPath, dmesgPath);
    }

    /// <summary>Uptime when tracing starts: a few hundred to a few thousand seconds, fixed by the seed.</summary>
    public static long BootNs(long seed) => (500 + (long)(unchecked((ulong)seed) % 5000)) * 1_000_000_000L + 123_456_000L;

    static Dmesg? Run(SynthOptions o, TraceOutput output, TruthLog truth, bool dmesg, long bootNs)
    {
        var rng = new Prng(unchecked((ulong)o.Seed));
        var m = new Machine(o, output, truth, rng);
        if (dmesg) m.Dmesg = new Dmesg(m, bootNs);
        long planned = o.Scenario switch
        {
            "memcg-free" => MemcgFreeScenario.Plan(m),
            "cache-destroy" => CacheDestroyScenario.Plan(m),
            "alias-race" => AliasRaceScenario.Plan(m),
            _ => 0,
        };
        if (o.Background || o.Scenario == "background")
            Background.Plan(m, Math.Max(planned, 20_000_000L) * o.Scale);
        m.Run();
        return m.Dmesg;
    }
}
