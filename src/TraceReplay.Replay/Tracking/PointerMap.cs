using System.Runtime.CompilerServices;

namespace TraceReplay.Replay.Tracking;

/// <summary>
/// A map from non-zero kernel pointers to a struct, for the object table that most events of a slab trace look up:
/// open addressing with linear probing over one array of entries (key beside value: one cache line per lookup, no
/// bucket array, chain or modulo as in Dictionary), a multiplicative hash that spreads aligned raw pointers as well as
/// hashed ones, and key 0 as the free-slot mark (a null pointer is never tracked). Entries are removed only all at once
/// (<see cref="RemoveAll"/>), which rebuilds the table, so probing needs no tombstones. Enumeration order is the slot
/// order, not insertion order.
/// </summary>
internal sealed class PointerMap<TValue> where TValue : struct
{
    struct Entry
    {
        public ulong Key;
        public TValue Value;
    }

    const int MinCapacity = 1024;

    Entry[] _entries;
    int _shift;
    int _count;

    public PointerMap() => (_entries, _shift) = Allocate(MinCapacity);

    public int Count => _count;

    /// <summary>Slots to enumerate with <see cref="TryGetAt"/>.</summary>
    public int SlotCount => _entries.Length;

    /// <summary>The value of <paramref name="key"/> (non-zero), added as default when absent.</summary>
    public ref TValue GetValueRefOrAddDefault(ulong key, out bool exists)
    {
        // Three quarters full at most: short probes, and at the object table's sweep limit (2^20 freed pointers) the
        // table is 2^21 slots, not twice that.
        if (_count >= _entries.Length - (_entries.Length >> 2)) Resize(_entries.Length * 2);
        var entries = _entries;
        int mask = entries.Length - 1;
        int i = Slot(key, _shift);
        while (true)
        {
            ref var e = ref entries[i];
            if (e.Key == key)
            {
                exists = true;
                return ref e.Value;
            }
            if (e.Key == 0)
            {
                e.Key = key;
                _count++;
                exists = false;
                return ref e.Value;
            }
            i = (i + 1) & mask;
        }
    }

    /// <summary>The value of <paramref name="key"/>, or a null reference (test with Unsafe.IsNullRef) when absent.</summary>
    public ref TValue GetValueRefOrNullRef(ulong key)
    {
        var entries = _entries;
        int mask = entries.Length - 1;
        int i = Slot(key, _shift);
        while (true)
        {
            ref var e = ref entries[i];
            if (e.Key == key && key != 0) return ref e.Value;
            if (e.Key == 0) return ref Unsafe.NullRef<TValue>();
            i = (i + 1) & mask;
        }
    }

    /// <summary>The entry in <paramref name="slot"/> (0 ≤ slot &lt; <see cref="SlotCount"/>); false for a free slot.</summary>
    public bool TryGetAt(int slot, out ulong key, out TValue value)
    {
        ref var e = ref _entries[slot];
        key = e.Key;
        value = e.Value;
        return key != 0;
    }

    /// <summary>Removes every entry whose value matches and shrinks the table to what is left.</summary>
    public void RemoveAll(Func<TValue, bool> match)
    {
        var old = _entries;
        int kept = 0;
        foreach (ref var e in old.AsSpan())
            if (e.Key != 0 && !match(e.Value)) kept++;
        int capacity = MinCapacity;
        while (capacity >> 1 <= kept) capacity *= 2;
        (_entries, _shift) = Allocate(capacity);
        _count = 0;
        foreach (ref var e in old.AsSpan())
            if (e.Key != 0 && !match(e.Value))
                Insert(e.Key, e.Value);
    }

    void Resize(int capacity)
    {
        var old = _entries;
        (_entries, _shift) = Allocate(capacity);
        _count = 0;
        foreach (ref var e in old.AsSpan())
            if (e.Key != 0)
                Insert(e.Key, e.Value);
    }

    void Insert(ulong key, in TValue value)
    {
        var entries = _entries;
        int mask = entries.Length - 1;
        int i = Slot(key, _shift);
        while (entries[i].Key != 0) i = (i + 1) & mask;
        entries[i].Key = key;
        entries[i].Value = value;
        _count++;
    }

    /// <summary>Fibonacci hashing: the top bits of key × 2^64/φ, so pointers that differ only in low or high bits spread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Slot(ulong key, int shift) => (int)((key * 0x9E3779B97F4A7C15UL) >> shift);

    static (Entry[] Entries, int Shift) Allocate(int capacity)
        => (new Entry[capacity], 64 - System.Numerics.BitOperations.Log2((uint)capacity));
}
