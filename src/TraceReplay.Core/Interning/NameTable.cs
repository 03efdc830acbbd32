using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;

namespace TraceReplay.Core.Interning;

/// <summary>
/// Interns UTF-8 names (comms, event names, field keys, lock classes, functions) to dense int ids.
/// Lookups by span allocate nothing once a name is known; id 0 is always the empty name ("unknown").
/// Safe for one reading thread interning while another (the replay) looks names up and interns its own:
/// lookups are lock-free, additions take a lock and publish the name before its id.
/// </summary>
public sealed class NameTable
{
    readonly ConcurrentDictionary<byte[], int> _ids = new(Utf8Comparer.Instance);
    readonly ConcurrentDictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    readonly object _addLock = new();
    string[] _names = new string[256];
    byte[][] _utf8 = new byte[256][];
    int _count;

    public NameTable()
    {
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<byte>>();
        Intern(ReadOnlySpan<byte>.Empty);
    }

    public int Count => Volatile.Read(ref _count);

    public string this[int id] => Volatile.Read(ref _names)[id];

    public ReadOnlySpan<byte> Utf8(int id) => Volatile.Read(ref _utf8)[id];

    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (_lookup.TryGetValue(utf8, out int id))
            return id;
        lock (_addLock)
        {
            if (_lookup.TryGetValue(utf8, out id))
                return id;
            byte[] key = utf8.ToArray();
            id = _count;
            if (id == _names.Length)
            {
                // Grow by copy, then publish: a reader holding the old arrays still sees every id it was given.
                var names = _names;
                var bytes = _utf8;
                Array.Resize(ref names, id * 2);
                Array.Resize(ref bytes, id * 2);
                Volatile.Write(ref _names, names);
                Volatile.Write(ref _utf8, bytes);
            }
            _names[id] = Encoding.UTF8.GetString(key);
            _utf8[id] = key;
            Volatile.Write(ref _count, id + 1);
            _ids[key] = id;
            return id;
        }
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
