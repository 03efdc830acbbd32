using System.Text.Json;

namespace TraceReplay.Synth.Truth;

/// <summary>An object freed in a context where taking one of its locks is illegal (kernel.md §5 rule).</summary>
public sealed record UnsafeFreeRecord(long TsNs, int Cpu, int Pid, string ObjectKind, string ObjectKey, ulong ObjectAddr,
    string LockClass, string Context, string Rule);

/// <summary>One destroy operation: a root kmem_cache_destroy() or a memcg's cache teardown (memcg free).</summary>
public sealed class DestroyOpRecord(string op, string opKey, int pid, int cpu, long startNs)
{
    public string Op { get; } = op;
    public string OpKey { get; } = opKey;
    public int Pid { get; } = pid;
    public int Cpu { get; } = cpu;
    public long StartNs { get; } = startNs;
    public long EndNs;
    public int CachesDestroyed;
    public int RcuCaches;
    public int BarrierCount;
}

/// <summary>kmem_cache_create() returning a cache that a concurrent kmem_cache_destroy() has already doomed.</summary>
public sealed record AliasRecord(long TsNs, int Cpu, int Pid, string Cache, ulong CacheAddr, string DoomedByOp, string DoomedByOpKey, int DoomedByPid);

/// <summary>
/// Ground truth collected from the model's own state while it runs (never from the trace text). Holds scenario-level
/// records only — O(scenario objects), independent of background volume — and is written once at the end.
/// </summary>
public sealed class TruthLog
{
    public readonly List<UnsafeFreeRecord> UnsafeFrees = new();
    public readonly List<DestroyOpRecord> DestroyOps = new();
    public readonly List<AliasRecord> Aliases = new();
    public int MemcgsCreated, MemcgsFreed, MemcgsFreedInSoftirq, MemcgsFreedInProcess;
    public int RootCachesCreated, CloneCachesCreated, CachesDestroyed, CachesMerged, RootCachesDestroyed, CloneCachesDestroyed;
    public long Barriers;
    public bool LockdepSplat;
    public string? LockdepSplatClass;

    public void Write(string path, SynthOptions o, long entries, long lines, long bootNs)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("schema", "tracereplay-synth-truth/1");
        w.WriteStartObject("options");
        w.WriteString("scenario", o.Scenario);
        w.WriteString("kernel", o.Kernel);
        w.WriteNumber("cpus", o.Cpus);
        w.WriteNumber("seed", o.Seed);
        w.WriteNumber("scale", o.Scale);
        w.WriteString("style", SynthOptions.StyleName(o.Style));
        w.WriteBoolean("background", o.Background);
        w.WriteNumber("memcgs", o.Memcgs);
        w.WriteNumber("root_caches", o.RootCaches);
        w.WriteNumber("rcu_fraction", o.RcuFraction);
        w.WriteNumber("rounds", o.Rounds);
        w.WriteEndObject();
        w.WriteNumber("boot_offset_ns", bootNs);
        w.WriteNumber("trace_entries", entries);
        w.WriteNumber("trace_lines", lines);

        w.WriteStartObject("counts");
        w.WriteNumber("memcgs_created", MemcgsCreated);
        w.WriteNumber("memcgs_freed", MemcgsFreed);
        w.WriteNumber("memcgs_freed_in_softirq", MemcgsFreedInSoftirq);
        w.WriteNumber("memcgs_freed_in_process", MemcgsFreedInProcess);
        w.WriteNumber("root_caches_created", RootCachesCreated);
        w.WriteNumber("clone_caches_created", CloneCachesCreated);
        w.WriteNumber("caches_merged", CachesMerged);
        w.WriteNumber("caches_destroyed", CachesDestroyed);
        w.WriteNumber("root_caches_destroyed", RootCachesDestroyed);
        w.WriteNumber("clone_caches_destroyed", CloneCachesDestroyed);
        w.WriteNumber("rcu_barriers", Barriers);
        w.WriteNumber("unsafe_frees", UnsafeFrees.Count);
        w.WriteNumber("destroy_ops", DestroyOps.Count);
        w.WriteNumber("aliases", Aliases.Count);
        w.WriteEndObject();

        w.WriteStartObject("lockdep");
        w.WriteBoolean("splat", LockdepSplat);
        if (LockdepSplatClass is null) w.WriteNull("class"); else w.WriteString("class", LockdepSplatClass);
        w.WriteEndObject();

        w.WriteStartArray("unsafe_frees");
        foreach (var u in UnsafeFrees)
        {
            w.WriteStartObject();
            w.WriteNumber("ts_ns", u.TsNs + bootNs);
            w.WriteNumber("cpu", u.Cpu);
            w.WriteNumber("pid", u.Pid);
            w.WriteString("object_kind", u.ObjectKind);
            w.WriteString("object_key", u.ObjectKey);
            w.WriteString("object_addr", Hex(u.ObjectAddr));
            w.WriteString("lock_class", u.LockClass);
            w.WriteString("context", u.Context);
            w.WriteString("rule", u.Rule);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("destroy_ops");
        foreach (var d in DestroyOps)
        {
            w.WriteStartObject();
            w.WriteString("op", d.Op);
            w.WriteString("op_key", d.OpKey);
            w.WriteNumber("pid", d.Pid);
            w.WriteNumber("cpu", d.Cpu);
            w.WriteNumber("start_ns", d.StartNs + bootNs);
            w.WriteNumber("end_ns", d.EndNs + bootNs);
            w.WriteNumber("caches_destroyed", d.CachesDestroyed);
            w.WriteNumber("rcu_caches", d.RcuCaches);
            w.WriteNumber("barrier_count", d.BarrierCount);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("aliases");
        foreach (var a in Aliases)
        {
            w.WriteStartObject();
            w.WriteNumber("ts_ns", a.TsNs + bootNs);
            w.WriteNumber("cpu", a.Cpu);
            w.WriteNumber("pid", a.Pid);
            w.WriteString("cache", a.Cache);
            w.WriteString("cache_addr", Hex(a.CacheAddr));
            w.WriteString("doomed_by_op", a.DoomedByOp);
            w.WriteString("doomed_by_op_key", a.DoomedByOpKey);
            w.WriteNumber("doomed_by_pid", a.DoomedByPid);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        fs.WriteByte((byte)'\n');
    }

    static string Hex(ulong v) => "0x" + v.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
