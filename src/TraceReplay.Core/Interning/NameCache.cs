using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
namespace TraceReplay.Core.Interning;

/// <summary>
/// A per-trace, per-thread front for <see cref="NameTable.Intern(ReadOnlySpan{byte})"/> on hot paths (the text reader's
/// comms, event names, flags and field keys; the replay's cache names, work functions, symbols): the same few hundred
/// names repeat on every line, and a direct-mapped table answers them without hashing the bytes
/// with XxHash3 or touching the concurrent dictionary. Names of up to 16 bytes are packed into two words that, with
/// the length, identify them exactly; longer ones are compared. A miss interns through the NameTable and replaces the
/// slot, so ids are always the NameTable's. One thread only.
/// </summary>
public sealed class NameCache
{
    const int SlotBits = 10;
    const int Slots = 1 << SlotBits;

    readonly NameTable _names;
    readonly ShortEntry[] _short = new ShortEntry[Slots];
    readonly byte[]?[] _longKeys = new byte[Slots][];
    readonly int[] _longIds = new int[Slots];

    struct ShortEntry
    {
        public ulong A, B;
        public int Length, Id;
    }

    public NameCache(NameTable names) => _names = names;

    public NameTable Names => _names;

    /// <summary>The name's id in the trace's NameTable (interned when new); 0 for the empty name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Id(ReadOnlySpan<byte> utf8)
    {
        int len = utf8.Length;
        if (len == 0)
            return 0;
        if (len > 16)
            return LongId(utf8);
        Pack(utf8, out ulong a, out ulong b);
        int slot = (int)(((a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)len) >> (64 - SlotBits));
        ref var e = ref _short[slot];
        if (e.A == a && e.B == b && e.Length == len)
            return e.Id;
        int id = _names.Intern(utf8);
        e.A = a; e.B = b; e.Length = len; e.Id = id;
        return id;
    }

    int LongId(ReadOnlySpan<byte> utf8)
    {
        ref byte r = ref MemoryMarshal.GetReference(utf8);
        ulong h = Unsafe.ReadUnaligned<ulong>(ref r) * 0x9E3779B97F4A7C15UL
                  ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref r, utf8.Length - 8)) * 0xC2B2AE3D27D4EB4FUL
                  ^ (ulong)utf8.Length;
        int slot = (int)(h >> (64 - SlotBits));
        byte[]? key = _longKeys[slot];
        if (key is not null && ShortBytes.Equal(utf8, key))
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
            a = Unsafe.ReadUnaligned<uint>(ref r);
            b = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r, len - 4));
        }
        else
        {
            a = r;
            b = (ulong)Unsafe.Add(ref r, len >> 1) << 8 | Unsafe.Add(ref r, len - 1);
        }
    }
}
