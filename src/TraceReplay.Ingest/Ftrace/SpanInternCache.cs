using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TraceReplay.Core.Interning;

namespace TraceReplay.Ingest.Ftrace;

/// <summary>
/// A direct-mapped cache in front of <see cref="NameTable"/>: the same few hundred comms, event names, flags and field
/// keys repeat on every line. Names up to 16 bytes are compared as two machine words (first and last 8 bytes plus the
/// length identify them exactly); longer ones by a byte compare against the last hit in their slot.
/// </summary>
sealed class SpanInternCache
{
    const int Slots = 1024;
    readonly NameTable _names;
    readonly ShortEntry[] _short = new ShortEntry[Slots];
    readonly byte[]?[] _longKeys = new byte[Slots][];
    readonly int[] _longIds = new int[Slots];

    struct ShortEntry
    {
        public ulong A, B;
        public int Length, Id;
    }

    public SpanInternCache(NameTable names) => _names = names;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Intern(ReadOnlySpan<byte> utf8)
    {
        int len = utf8.Length;
        if (len == 0)
            return 0;
        if (len <= 16)
        {
            Pack(utf8, out ulong a, out ulong b);
            int slot = (int)(((a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)len) >> 54);
            ref var e = ref _short[slot];
            if (e.A == a && e.B == b && e.Length == len)
                return e.Id;
            int id = _names.Intern(utf8);
            e.A = a; e.B = b; e.Length = len; e.Id = id;
            return id;
        }
        return InternLong(utf8);
    }

    int InternLong(ReadOnlySpan<byte> utf8)
    {
        uint h = (uint)utf8.Length * 2654435761u;
        h ^= utf8[0] * 31u + utf8[^1] * 131u + utf8[utf8.Length >> 1] * 1031u + utf8[^2] * 7919u + utf8[1] * 8191u;
        int slot = (int)((h * 2246822519u) >> 22);
        byte[]? key = _longKeys[slot];
        if (key is not null && utf8.SequenceEqual(key))
            return _longIds[slot];
        int id = _names.Intern(utf8);
        _longKeys[slot] = _names.Utf8(id).ToArray();
        _longIds[slot] = id;
        return id;
    }

    /// <summary>Packs 1–16 bytes into two words; together with the length this identifies the bytes exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Pack(ReadOnlySpan<byte> s, out ulong a, out ulong b)
    {
        ref byte r = ref MemoryMarshal.GetReference(s);
        int len = s.Length;
        if (len >= 8)
        {
            a = Unsafe.ReadUnaligned<ulong>(ref r);
            b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref r, len - 8));
        }
        else if (len >= 4)
        {
            a = Unsafe.ReadUnaligned<uint>(ref r) | ((ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r, len - 4)) << 32);
            b = 0;
        }
        else
        {
            a = r | ((ulong)Unsafe.Add(ref r, len >> 1) << 8) | ((ulong)Unsafe.Add(ref r, len - 1) << 16);
            b = 0;
        }
    }
}
