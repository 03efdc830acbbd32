using TraceReplay.Core.Events;
using TraceReplay.Replay.Engine;

namespace TraceReplay.Replay.Tracking;

/// <summary>
/// The fields of a kmem_cache_alloc/kmalloc/kmem_cache_free/kfree row that the object and cgroup trackers read, found
/// in one pass over the row (the first field of each key, as <see cref="EventChunk.FindField"/> finds it) instead of
/// one scan per lookup: these rows are most of a slab trace. Field indexes, -1 when absent.
/// </summary>
internal readonly struct KmemFields
{
    public readonly int Ptr, BytesAlloc, Name, CallSite;

    KmemFields(int ptr, int bytesAlloc, int name, int callSite)
    {
        Ptr = ptr;
        BytesAlloc = bytesAlloc;
        Name = name;
        CallSite = callSite;
    }

    public static KmemFields Of(EventChunk chunk, int r, EventIds ids)
    {
        int ptr = -1, bytes = -1, name = -1, site = -1;
        var keys = chunk.FieldKey;
        int end = chunk.FieldStart[r] + chunk.FieldCount[r];
        for (int f = chunk.FieldStart[r]; f < end; f++)
        {
            int key = keys[f];
            if (key == ids.Ptr) { if (ptr < 0) ptr = f; }
            else if (key == ids.BytesAlloc) { if (bytes < 0) bytes = f; }
            else if (key == ids.Name) { if (name < 0) name = f; }
            else if (key == ids.CallSite) { if (site < 0) site = f; }
        }
        return new KmemFields(ptr, bytes, name, site);
    }

    /// <summary>A numeric field's value, as <see cref="EventChunk.TryGetValue"/> reads it (text fields have none).</summary>
    public static bool TryGetValue(EventChunk chunk, int field, out long value)
    {
        if (field < 0 || chunk.FieldTypes[field] == FieldType.Text) { value = 0; return false; }
        value = chunk.FieldValue[field];
        return true;
    }

    public static ReadOnlySpan<byte> Text(EventChunk chunk, int field) => field < 0 ? default : chunk.FieldText(field);
}
