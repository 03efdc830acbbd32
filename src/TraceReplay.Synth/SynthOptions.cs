namespace TraceReplay.Synth;

/// <summary>How calls show up in the trace: function tracer, function_graph (abstime/cpu/proc/duration) or kprobe/kretprobe pairs.</summary>
public enum SynthStyle
{
    Function,
    FunctionGraph,
    Kprobe,
}

/// <summary>
/// Everything that determines a synthetic trace; equal options give byte-identical files.
/// Scenario: memcg-free (kernel 3.7 / 3.8), cache-destroy and alias-race (3.18 / 3.19), or background (any).
/// </summary>
public sealed record SynthOptions(
    string Scenario,
    string Kernel,
    int Cpus,
    long Seed,
    int Scale = 1,
    SynthStyle Style = SynthStyle.Function,
    bool Background = false,
    bool WithDmesg = false)
{
    public static readonly string[] Scenarios = ["memcg-free", "cache-destroy", "alias-race", "background"];

    /// <summary>memcg-free: memcgs created and freed; cache-destroy/alias-race: K memcgs with clones.</summary>
    public int Memcgs { get; init; } = 4;
    /// <summary>cache-destroy: M root caches.</summary>
    public int RootCaches { get; init; } = 6;
    /// <summary>cache-destroy: fraction of root caches created with SLAB_DESTROY_BY_RCU.</summary>
    public double RcuFraction { get; init; } = 0.5;
    /// <summary>alias-race: destroy/create rounds.</summary>
    public int Rounds { get; init; } = 3;

    public static string StyleName(SynthStyle s) => s switch
    {
        SynthStyle.FunctionGraph => "function_graph",
        SynthStyle.Kprobe => "kprobe",
        _ => "function",
    };

    public static SynthStyle ParseStyle(string s) => s switch
    {
        "function" => SynthStyle.Function,
        "function_graph" => SynthStyle.FunctionGraph,
        "kprobe" => SynthStyle.Kprobe,
        _ => throw new ArgumentException($"unknown style '{s}' (function, function_graph, kprobe)"),
    };

    /// <summary>Throws ArgumentException with a user-facing message when the combination is not modeled.</summary>
    public void Validate()
    {
        if (Array.IndexOf(Scenarios, Scenario) < 0)
            throw new ArgumentException($"unknown scenario '{Scenario}' ({string.Join(", ", Scenarios)})");
        var k = Model.KernelModel.Parse(Kernel);
        if (Scenario == "memcg-free" && k.CssEra)
            throw new ArgumentException("memcg-free models the 3.7/3.8 refcount era (use --kernel 3.7 or 3.8)");
        if (Scenario is "cache-destroy" or "alias-race" && !k.CssEra)
            throw new ArgumentException($"{Scenario} models 3.18/3.19 slab_common (use --kernel 3.18 or 3.19)");
        if (Cpus < 1 || Cpus > 64) throw new ArgumentException("--cpus must be 1..64");
        if (Scale < 1) throw new ArgumentException("--scale must be >= 1");
        if (Memcgs < 1 || RootCaches < 1 || Rounds < 1) throw new ArgumentException("memcgs, root caches and rounds must be >= 1");
        if (RcuFraction < 0 || RcuFraction > 1) throw new ArgumentException("rcu fraction must be in [0, 1]");
    }
}
