using System.Text.Json;
using TraceReplay.Analysis.Common;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis.Rules;

/// <summary>A function that takes a lock class (used to infer acquisitions when a trace has no lock events).</summary>
public sealed record LockTakingFunction(string Function, string LockClass, string Kernels, string Source);

/// <summary>
/// One unsafe-free rule (kernel.md §5): the operation names it matches (functions or free tracepoints), the contexts in
/// which they are illegal, the lock classes the free path takes (a context that conflicts with their usage is unsafe),
/// the kernel range, and the why/fix/source text quoted in reports.
/// </summary>
public sealed record FreeRule(
    string Id,
    string Check,
    IReadOnlyList<string> Operations,
    string Kernels,
    string ObjectKind,
    IReadOnlyList<string> Forbidden,
    IReadOnlyList<string> Locks,
    string Reason,
    string Fix,
    string Source)
{
    public const string ContextCheck = "context";
    public const string HeldLockCheck = "held-lock";

    public bool IsForbidden(ExecContext context) => Forbidden.Contains(context.Name());
}

/// <summary>The rule table file (Rules/unsafe-free-rules.json, embedded): data, not code.</summary>
public sealed class RuleTable
{
    const string ResourceName = "TraceReplay.Analysis.Rules.unsafe-free-rules.json";
    static readonly Lazy<RuleTable> s_default = new(() => Load(OpenDefault()));

    public IReadOnlyList<LockTakingFunction> LockTakingFunctions { get; init; } = [];
    public IReadOnlyList<FreeRule> FreeRules { get; init; } = [];

    /// <summary>The embedded rule table.</summary>
    public static RuleTable Default => s_default.Value;

    public static Stream OpenDefault()
        => typeof(RuleTable).Assembly.GetManifestResourceStream(ResourceName)
           ?? throw new InvalidOperationException($"embedded resource {ResourceName} missing");

    public static RuleTable Load(Stream json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var locks = root.GetProperty("lockTakingFunctions").EnumerateArray()
            .Select(e => new LockTakingFunction(Str(e, "function"), Str(e, "lockClass"), Str(e, "kernels"), Str(e, "source")))
            .ToList();
        var rules = root.GetProperty("freeRules").EnumerateArray()
            .Select(e => new FreeRule(
                Str(e, "id"),
                e.TryGetProperty("check", out var c) ? c.GetString()! : FreeRule.ContextCheck,
                Strs(e, "operations"), Str(e, "kernels"), Str(e, "objectKind"), Strs(e, "forbidden"), Strs(e, "locks"),
                Str(e, "reason"), Str(e, "fix"), Str(e, "source")))
            .ToList();
        foreach (var r in rules)
            foreach (var ctx in r.Forbidden)
                if (!Enum.GetValues<ExecContext>().Any(x => x.Name() == ctx))
                    throw new InvalidDataException($"rule {r.Id}: unknown context '{ctx}'");
        return new RuleTable { LockTakingFunctions = locks, FreeRules = rules };
    }

    /// <summary>The rules in force for a kernel (its version range contains the kernel).</summary>
    public IEnumerable<FreeRule> RulesFor(KernelVersion kernel) => FreeRules.Where(r => kernel.InRange(r.Kernels));

    public IEnumerable<LockTakingFunction> LockFunctionsFor(KernelVersion kernel)
        => LockTakingFunctions.Where(l => kernel.InRange(l.Kernels));

    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
    static IReadOnlyList<string> Strs(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
}
