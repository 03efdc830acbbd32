using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace TraceReplay.Core.Interning;

/// <summary>
/// Interns UTF-8 names (comms, event names, field keys, lock classes, functions) to dense int ids.
/// Lookups by span allocate nothing once a name is known; id 0 is always the empty name ("unknown").
/// Not thread-safe: one table per trace.
/// </summary>
public sealed class NameTable
{
    readonly Dictionary<byte[], int> _ids = new(Utf8Comparer.Instance);
    readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    readonly List<string> _names = new();
    readonly List<byte[]> _utf8 = new();

    public NameTable()
    {
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<byte>>();
        Intern(ReadOnlySpan<byte>.Empty);
    }

    public int Count => _names.Count;

    public string this[int id] => _names[id];

    public ReadOnlySpan<byte> Utf8(int id) => _utf8[id];

    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (_lookup.TryGetValue(utf8, out int id))
            return id;
        byte[] key = utf8.ToArray();
        id = _names.Count;
        _ids.Add(key, id);
        _names.Add(Encoding.UTF8.GetString(key));
        _utf8.Add(key);
        return id;
    }

    public int Intern(string name) => Intern(Encoding.UTF8.GetBytes(name));

    public bool TryGetId(ReadOnlySpan<byte> utf8, out int id) => _lookup.TryGetValue(utf8, out id);

    public bool TryGetId(string name, out int id) => _lookup.TryGetValue(Encoding.UTF8.GetBytes(name), out id);

    sealed class Utf8Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8Comparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] obj) => Hash(obj);
        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
        static int Hash(ReadOnlySpan<byte> s) => (int)XxHash3.HashToUInt64(s);
    }
}
