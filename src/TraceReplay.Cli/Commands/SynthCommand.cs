using System.CommandLine;
using TraceReplay.Synth;

namespace TraceReplay.Cli.Commands;

/// <summary>`tracereplay synth`: writes a synthetic 3.x trace, FILE.truth.json and optionally FILE.dmesg.txt.</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var scenario = new Option<string>("--scenario") { Description = "memcg-free | cache-destroy | alias-race | background", Required = true };
        var kernel = new Option<string>("--kernel") { Description = "modeled kernel: 3.7 / 3.8 (memcg-free), 3.18 / 3.19 (cache-destroy, alias-race)", Required = true };
        var cpus = new Option<int>("--cpus") { Description = "CPUs of the modeled machine", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed") { Description = "PRNG seed: same options, same bytes", DefaultValueFactory = _ => 1 };
        var scale = new Option<int>("--scale") { Description = "multiplies the background traffic", DefaultValueFactory = _ => 1 };
        var style = new Option<string>("--style") { Description = "function | function_graph | kprobe", DefaultValueFactory = _ => "function" };
        var background = new Option<bool>("--background") { Description = "mix irq/softirq/sched/kmem background traffic in" };
        var dmesg = new Option<bool>("--dmesg") { Description = "also write FILE.dmesg.txt (lockdep report of the modeled kernel)" };
        var memcgs = new Option<int>("--memcgs") { Description = "memcgs (K)", DefaultValueFactory = _ => 4 };
        var roots = new Option<int>("--root-caches") { Description = "cache-destroy: root caches (M)", DefaultValueFactory = _ => 6 };
        var rcuFraction = new Option<double>("--rcu-fraction") { Description = "cache-destroy: fraction of root caches with SLAB_DESTROY_BY_RCU", DefaultValueFactory = _ => 0.5 };
        var rounds = new Option<int>("--rounds") { Description = "alias-race: destroy/create rounds", DefaultValueFactory = _ => 3 };
        var output = new Option<string>("--out") { Description = "trace file to write", Required = true };

        var command = new Command("synth", "Generate a synthetic kernel trace with ground truth from a deterministic 3.x kernel model.");
        foreach (var o in new Option[] { scenario, kernel, cpus, seed, scale, style, background, dmesg, memcgs, roots, rcuFraction, rounds, output })
            command.Options.Add(o);
        command.SetAction(parseResult =>
        {
            try
            {
                var options = new SynthOptions(
                    parseResult.GetValue(scenario)!,
                    parseResult.GetValue(kernel)!,
                    parseResult.GetValue(cpus),
                    parseResult.GetValue(seed),
                    parseResult.GetValue(scale),
                    SynthOptions.ParseStyle(parseResult.GetValue(style)!),
                    parseResult.GetValue(background),
                    parseResult.GetValue(dmesg))
                {
                    Memcgs = parseResult.GetValue(memcgs),
                    RootCaches = parseResult.GetValue(roots),
                    RcuFraction = parseResult.GetValue(rcuFraction),
                    Rounds = parseResult.GetValue(rounds),
                };
                var r = SyntheticTrace.Write(options, parseResult.GetValue(output)!);
                Console.Out.WriteLine($"{r.TracePath}: {r.Entries} entries, {r.Lines} lines; truth {r.TruthPath}" + (r.DmesgPath is null ? "" : $"; dmesg {r.DmesgPath}"));
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"synth: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
