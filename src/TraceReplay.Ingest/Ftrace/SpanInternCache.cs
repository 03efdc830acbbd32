using TraceReplay.Core.Interning;

namespace TraceReplay.Ingest.Ftrace;

/// <summary>
/// A direct-mapped cache in front of <see cref="NameTable"/>: the same few hundred comms, event names and field keys
/// repeat on every line, and a byte compare against the last hit in a slot is cheaper than hashing the whole name.
/// </summary>
sealed class SpanInternCache
{
    const int Slots = 1024;
    readonly NameTable _names;
    readonly byte[]?[] _keys = new byte[Slots][];
    readonly int[] _ids = new int[Slots];

    public SpanInternCache(NameTable names) => _names = names;

    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return 0;
        int slot = Slot(utf8);
        byte[]? key = _keys[slot];
        if (key is not null && utf8.SequenceEqual(key))
            return _ids[slot];
        int id = _names.Intern(utf8);
        _keys[slot] = _names.Utf8(id).ToArray();
        _ids[slot] = id;
        return id;
    }

    static int Slot(ReadOnlySpan<byte> s)
    {
        // length, both ends and the middle: cheap and spreads comms like "kworker/0:1" vs "kworker/1:1"
        uint h = (uint)s.Length * 2654435761u;
        h ^= s[0] * 31u + s[^1] * 131u + s[s.Length >> 1] * 1031u;
        if (s.Length > 2) h ^= s[s.Length - 2] * 7919u + s[1] * 8191u;
        h *= 2246822519u;
        return (int)(h >> 22) & (Slots - 1);
    }
}
