using TraceReplay.Core.Interning;
using System.Globalization;
using System.Runtime.CompilerServices;
using TraceReplay.Core.Events;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Replay.Tracking;

/// <summary>
/// Slab objects and kmem caches. Objects (kmem_cache_alloc/kmalloc → kmem_cache_free/kfree, joined by ptr) are
/// aggregated per cache into cache_stats; only anomalies (double free; free of a never-allocated pointer when the
/// trace began at boot) become lifetime rows, so memory follows the live object count, not the trace length.
/// Cache create/alias/destroy/release come from function tracer, function_graph and kprobe rows.
/// </summary>
internal sealed class ObjectTracker : ILiveObjects
{
    struct ObjectRec
    {
        public int Cache;
        public bool Live;
        /// <summary>Allocated by kmem_cache_alloc with a non-empty name= (the name the analyses report).</summary>
        public bool Named;
        public long Bytes;
        public long AllocNs;
        public long FreedNs;
    }

    sealed class CacheStat
    {
        public long Allocs, Frees, Live, LiveBytes;
        public long CreatedNs = -1, DestroyedNs = -1;
    }

    readonly ReplayShared _shared;
    readonly LifetimeTable _table;
    readonly PointerMap<ObjectRec> _objects = new();
    readonly Dictionary<int, CacheStat> _caches = new();
    /// <summary>The same stats indexed by cache name id: every kmem event looks its cache up.</summary>
    CacheStat?[] _statById = [];
    readonly Dictionary<long, int> _kmallocCacheIds = new();
    readonly List<Lifetime> _cacheLifetimes = new();
    readonly int _unnamedCache, _kfreeUnknownCache;
    long _doubleFrees, _unknownFrees, _sweeps, _live;
    bool? _startsAtBoot;

    public ObjectTracker(ReplayShared shared, LifetimeTable table)
    {
        _shared = shared;
        _table = table;
        _unnamedCache = shared.Names.Intern("(unnamed)");
        _kfreeUnknownCache = shared.Names.Intern("(unknown)");
        _startsAtBoot = shared.Options.StartsAtBoot;
    }

    public void OnEvent(EventChunk chunk, int r, EventRole role, in CpuContextView view)
    {
        if (role is EventRole.Function or EventRole.GraphEntry or EventRole.Kprobe)
            CacheFunction(chunk, r, view);
    }

    public void OnKmem(EventChunk chunk, int r, EventRole role, in KmemFields fields, in CpuContextView view)
    {
        switch (role)
        {
            case EventRole.KmemCacheAlloc:
                int cache = CacheFromName(chunk, fields);
                Alloc(chunk, r, fields, cache, named: cache != 0 && cache != _unnamedCache);
                break;
            case EventRole.Kmalloc: Alloc(chunk, r, fields, -1, named: false); break;
            case EventRole.KmemCacheFree: Free(chunk, r, fields, namedCache: true, view); break;
            case EventRole.Kfree: Free(chunk, r, fields, namedCache: false, view); break;
        }
    }

    int CacheFromName(EventChunk chunk, in KmemFields fields)
        => fields.Name < 0 ? _unnamedCache : _shared.NameCache.Id(chunk.FieldText(fields.Name));

    int KmallocCache(long bytes)
    {
        if (!_kmallocCacheIds.TryGetValue(bytes, out int id))
        {
            string name = bytes > 8192 ? "kmalloc-large" : "kmalloc-" + bytes.ToString(CultureInfo.InvariantCulture);
            _kmallocCacheIds[bytes] = id = _shared.Names.Intern(name);
        }
        return id;
    }

    CacheStat Stat(int cache)
    {
        var byId = _statById;
        if ((uint)cache < (uint)byId.Length && byId[cache] is { } s) return s;
        return AddStat(cache);
    }

    CacheStat AddStat(int cache)
    {
        if (!_caches.TryGetValue(cache, out var s)) _caches[cache] = s = new CacheStat();
        if (cache >= _statById.Length) Array.Resize(ref _statById, Math.Max(cache + 1, _statById.Length * 2));
        _statById[cache] = s;
        return s;
    }

    void Alloc(EventChunk chunk, int r, in KmemFields fields, int cache, bool named)
    {
        if (!KmemFields.TryGetValue(chunk, fields.Ptr, out long p) || p == 0) return;
        KmemFields.TryGetValue(chunk, fields.BytesAlloc, out long bytes);
        if (cache < 0) cache = KmallocCache(bytes);
        var stat = Stat(cache);
        stat.Allocs++;
        ref var rec = ref _objects.GetValueRefOrAddDefault((ulong)p, out bool exists);
        if (exists && rec.Live)
        {
            // Allocated again without a free we saw: the free was lost or not traced; drop the old one from live.
            var old = Stat(rec.Cache);
            old.Live--;
            old.LiveBytes -= (int)rec.Bytes;
        }
        else _live++;
        rec.Cache = cache;
        rec.Bytes = bytes;
        rec.Named = named;
        rec.Live = true;
        rec.AllocNs = chunk.TsNs[r];
        stat.Live++;
        stat.LiveBytes += bytes;
        if (_objects.Count - _live > _shared.Options.MaxFreedPointers) Sweep();
    }

    /// <param name="namedCache">kmem_cache_free: the row names the cache, needed only when the pointer is unknown
    /// (a known object is charged to the cache it was allocated from).</param>
    void Free(EventChunk chunk, int r, in KmemFields fields, bool namedCache, in CpuContextView view)
    {
        if (!KmemFields.TryGetValue(chunk, fields.Ptr, out long p) || p == 0) return;
        long ts = chunk.TsNs[r];
        ref var rec = ref _objects.GetValueRefOrNullRef((ulong)p);
        if (Unsafe.IsNullRef(ref rec))
        {
            int cache = namedCache ? CacheFromName(chunk, fields) : -1;
            _unknownFrees++;
            if (cache >= 0) Stat(cache).Frees++;
            if (StartsAtBoot(ts))
                Anomaly((ulong)p, cache < 0 ? _kfreeUnknownCache : cache, -1, -1, ts, view, "free-of-unknown");
            return;
        }
        if (!rec.Live)
        {
            _doubleFrees++;
            Stat(rec.Cache).Frees++;
            Anomaly((ulong)p, rec.Cache, rec.AllocNs, rec.FreedNs, ts, view, "double-free");
            rec.FreedNs = ts;
            return;
        }
        var stat = Stat(rec.Cache);
        stat.Frees++;
        stat.Live--;
        stat.LiveBytes -= (int)rec.Bytes;
        rec.Live = false;
        rec.FreedNs = ts;
        _live--;
    }

    public bool TryGetLiveSize(ulong ptr, out long bytes)
    {
        ref var rec = ref _objects.GetValueRefOrNullRef(ptr);
        if (!Unsafe.IsNullRef(ref rec) && rec.Live) { bytes = rec.Bytes; return true; }
        bytes = 0;
        return false;
    }

    public long FreesNotLive => _unknownFrees + _doubleFrees;

    public IEnumerable<(int Cache, long Bytes, long AllocNs)> Live()
    {
        for (int slot = 0; slot < _objects.SlotCount; slot++)
            if (_objects.TryGetAt(slot, out _, out var rec) && rec.Live)
                yield return (rec.Named ? rec.Cache : 0, rec.Bytes, rec.AllocNs);
    }

    bool StartsAtBoot(long ts)
    {
        // Latency-format timestamps are relative to the trace start, so they say nothing about boot.
        _startsAtBoot ??= _shared.Info.Variant != "latency" && _shared.FirstNs < 10_000_000_000L;
        return _startsAtBoot.Value;
    }

    void Anomaly(ulong ptr, int cache, long allocNs, long firstFreeNs, long ts, in CpuContextView view, string status)
    {
        var lt = new Lifetime("object", ReplayShared.Hex(ptr) + " " + _shared.Names[cache])
        {
            CreatedNs = allocNs, ReleasedNs = firstFreeNs, Status = status,
        };
        lt.SetFree(0, ts, view, view.RcuCallbackFunction != 0 ? view.RcuCallbackFunction : view.WorkFunction);
        _table.Emit(lt);
    }

    /// <summary>Forgets freed pointers (kept only to recognise a second free) when too many have accumulated.</summary>
    void Sweep()
    {
        _sweeps++;
        _objects.RemoveAll(static rec => !rec.Live);
    }

    // ---- caches from function / graph / kprobe rows ------------------------------------------------------------

    void CacheFunction(EventChunk chunk, int r, in CpuContextView view)
    {
        var fn = FunctionName.Of(chunk, r, _shared.Ids);
        if (fn.IsEmpty) return;
        string? stage = fn switch
        {
            _ when fn.SequenceEqual("kmem_cache_create"u8) || fn.SequenceEqual("kmem_cache_create_usercopy"u8)
                || fn.SequenceEqual("__kmem_cache_create_args"u8) || fn.SequenceEqual("kmem_cache_create_memcg"u8)
                || fn.SequenceEqual("memcg_create_kmem_cache"u8) => "create",
            _ when fn.SequenceEqual("__kmem_cache_alias"u8) => "alias",
            _ when fn.SequenceEqual("kmem_cache_destroy"u8) => "destroy",
            _ when fn.SequenceEqual("slab_kmem_cache_release"u8) || fn.SequenceEqual("kmem_cache_release"u8) => "release",
            _ => null,
        };
        if (stage == null) return;
        long ts = chunk.TsNs[r];
        string? key = CacheKey(chunk, r);
        int fnId = _shared.NameCache.Id(fn);
        var s = new Stage(stage, ts, view.Cpu, view.Context, view.Pid, view.Comm, fnId, 0);
        Lifetime? lt = key == null ? null : _cacheLifetimes.Find(l => l.Key == key && l.FreedNs < 0);
        switch (stage)
        {
            case "create":
                lt = new Lifetime("kmem_cache", key ?? "cache#" + (_cacheLifetimes.Count + 1).ToString(CultureInfo.InvariantCulture)) { CreatedNs = ts };
                _cacheLifetimes.Add(lt);
                break;
            case "alias":
                lt ??= _cacheLifetimes.FindLast(l => l.FreedNs < 0);
                break;
            case "destroy":
                lt ??= _cacheLifetimes.Find(l => l.OfflinedNs < 0 && l.FreedNs < 0);
                if (lt != null && lt.OfflinedNs < 0) { lt.OfflinedNs = ts; lt.Dying = true; }
                break;
            case "release":
                lt ??= _cacheLifetimes.Find(l => l.OfflinedNs >= 0 && l.FreedNs < 0);
                if (lt != null) { lt.ReleasedNs = ts; lt.SetFree(0, ts, view, fnId); }
                break;
        }
        if (lt == null)
        {
            lt = new Lifetime("kmem_cache", key ?? "cache#" + (_cacheLifetimes.Count + 1).ToString(CultureInfo.InvariantCulture));
            if (stage == "destroy") { lt.OfflinedNs = ts; lt.Dying = true; }
            if (stage == "release") { lt.ReleasedNs = ts; lt.SetFree(0, ts, view, fnId); }
            _cacheLifetimes.Add(lt);
        }
        lt.AddStage(s);
    }

    /// <summary>The cache's name when a kprobe fetched it (name="…" / a quoted string arg), else its pointer arg.</summary>
    string? CacheKey(EventChunk chunk, int r)
    {
        if (chunk.Kind[r] != EventKind.Kprobe) return null;
        var ids = _shared.Ids;
        int end = chunk.FieldStart[r] + chunk.FieldCount[r];
        string? pointer = null;
        for (int f = chunk.FieldStart[r]; f < end; f++)
        {
            int key = chunk.FieldKey[f];
            if (key == ids.ProbeFunc || key == ids.ProbeIp) continue;
            var text = chunk.FieldText(f);
            if (text.Length >= 2 && text[0] == (byte)'"')
                return System.Text.Encoding.UTF8.GetString(text[1..^1]);
            if (pointer == null && chunk.FieldTypes[f] == FieldType.Hex)
                pointer = ReplayShared.Hex((ulong)chunk.FieldValue[f]);
        }
        return pointer;
    }

    public void End(List<ReportTable> reports)
    {
        foreach (var lt in _cacheLifetimes)
        {
            int id = _shared.Names.Intern(lt.Key);
            if (lt.CreatedNs >= 0 || lt.OfflinedNs >= 0)
            {
                var st = Stat(id);
                if (lt.CreatedNs >= 0) st.CreatedNs = lt.CreatedNs;
                if (lt.OfflinedNs >= 0) st.DestroyedNs = lt.OfflinedNs;
            }
            _table.Emit(lt);
        }
        var t = new ReportTable("cache_stats");
        var trace = t.String("trace");
        var cache = t.String("cache");
        var allocs = t.Int64("allocs");
        var frees = t.Int64("frees");
        var live = t.Int64("live_objects");
        var liveBytes = t.Int64("live_bytes");
        var created = t.Int64("created_ns");
        var destroyed = t.Int64("destroyed_ns");
        var ordered = new List<(string Name, CacheStat Stat)>();
        foreach (var kv in _caches) ordered.Add((_shared.Names[kv.Key], kv.Value));
        ordered.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (name, s) in ordered)
        {
            trace.Append(_shared.Trace);
            cache.Append(name);
            allocs.Append(s.Allocs);
            frees.Append(s.Frees);
            live.Append(s.Live);
            liveBytes.Append(s.LiveBytes);
            created.Append(s.CreatedNs, s.CreatedNs < 0);
            destroyed.Append(s.DestroyedNs, s.DestroyedNs < 0);
            t.EndRow();
        }
        reports.Add(t);
    }

    public void AddCounts(SummaryCounts counts)
    {
        counts.Set("double_frees", _doubleFrees);
        counts.Set("unknown_frees", _unknownFrees);
        counts.Set("pointer_sweeps", _sweeps);
    }
}

/// <summary>The function a function/graph/kprobe row is about (ip, func, probe_func).</summary>
internal static class FunctionName
{
    public static ReadOnlySpan<byte> Of(EventChunk chunk, int r, EventIds ids)
    {
        int key = chunk.Kind[r] switch
        {
            EventKind.Function => ids.Ip,
            EventKind.GraphEntry or EventKind.GraphLeaf => ids.Func,
            EventKind.Kprobe => ids.ProbeFunc,
            _ => -1,
        };
        if (key < 0) return default;
        int f = chunk.FindField(r, key);
        if (f < 0) return default;
        var text = chunk.FieldText(f);
        int plus = text.IndexOf((byte)'+');
        return plus > 0 ? text[..plus] : text;
    }
}
