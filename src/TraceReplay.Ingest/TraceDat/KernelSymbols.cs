using System.Globalization;
using System.Text;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>
/// kallsyms and printk_formats from the file, looked up the way libtraceevent does: symbols sorted stably from a
/// prepended (reverse file order) list, found with glibc's bsearch and a [addr, next addr) comparator.
/// </summary>
public sealed class KernelSymbols
{
    readonly ulong[] _addr;
    readonly byte[][] _name;
    readonly Dictionary<ulong, byte[]> _printk = new();

    public KernelSymbols(ReadOnlySpan<byte> kallsyms, ReadOnlySpan<byte> printk)
    {
        // One pass over the text without per-line allocations (kallsyms is ~200k lines).
        var entries = new List<Entry>(kallsyms.Length / 40);
        var names = new List<byte[]>(kallsyms.Length / 40);
        int lineNo = 0;
        var text = kallsyms;
        while (text.Length > 0)
        {
            int nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            // "ffffffff81000000 T _stext" [+ "\t[module]"]
            int sp1 = line.IndexOf((byte)' ');
            if (sp1 <= 0 || sp1 + 3 > line.Length || !TryHex(line[..sp1], out ulong addr))
                continue;
            byte type = line[sp1 + 1];
            var name = line[(sp1 + 3)..];
            int end = name.IndexOfAny((byte)'\t', (byte)' ');
            if (end >= 0)
                name = name[..end];
            if (type is (byte)'A' or (byte)'a' || name.Length == 0 || name[0] == (byte)'$')
                continue;
            // libtraceevent prepends to a list, then sorts stably: equal addresses end up in reverse file order
            entries.Add(new Entry(addr, -lineNo++, names.Count));
            names.Add(name.ToArray());
        }
        var sorted = entries.ToArray();
        Array.Sort(sorted);
        _addr = new ulong[sorted.Length + 1];
        _name = new byte[sorted.Length + 1][];
        for (int i = 0; i < sorted.Length; i++)
        {
            _addr[i] = sorted[i].Addr;
            _name[i] = names[sorted[i].Name];
        }
        _name[sorted.Length] = [];

        foreach (var line in Lines(printk))
        {
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
                continue;
            var a = Encoding.ASCII.GetString(line[..colon]).Trim();
            if (a.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                a = a[2..];
            if (!ulong.TryParse(a, NumberStyles.AllowHexSpecifier, null, out ulong addr))
                continue;
            var fmt = line[(colon + 1)..];
            if (fmt.Length > 0 && fmt[0] == (byte)' ')
                fmt = fmt[1..];
            if (fmt.Length > 0 && fmt[0] == (byte)'"')
                fmt = fmt[1..];
            if (fmt.Length > 0 && fmt[^1] == (byte)'"')
                fmt = fmt[..^1];
            if (fmt.EndsWith("\\n"u8))
                fmt = fmt[..^2];
            _printk[addr] = fmt.ToArray();
        }
    }

    public int Count => _addr.Length - 1;

    readonly record struct Entry(ulong Addr, int Order, int Name) : IComparable<Entry>
    {
        public int CompareTo(Entry other) => Addr != other.Addr ? Addr.CompareTo(other.Addr) : Order.CompareTo(other.Order);
    }

    static bool TryHex(ReadOnlySpan<byte> s, out ulong v)
    {
        v = 0;
        if (s.Length is 0 or > 16)
            return false;
        foreach (byte b in s)
        {
            int d = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : (b | 0x20) is >= 'a' and <= 'f' ? (b | 0x20) - 'a' + 10 : -1;
            if (d < 0)
                return false;
            v = v << 4 | (uint)d;
        }
        return true;
    }

    static IEnumerable<byte[]> Lines(ReadOnlySpan<byte> text)
    {
        var list = new List<byte[]>();
        while (text.Length > 0)
        {
            int nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            if (line.Length > 0)
                list.Add(line.ToArray());
        }
        return list;
    }

    // Direct-mapped lookup cache: call sites repeat, and a 17-step search over 200k symbols misses the CPU cache.
    const int CacheBits = 16;
    readonly ulong[] _cacheAddr = new ulong[1 << CacheBits];
    readonly int[] _cacheIndex = new int[1 << CacheBits];

    /// <summary>Index of the symbol containing addr (glibc bsearch with libtraceevent's func_bcmp), or -1.</summary>
    public int Find(ulong addr)
    {
        int slot = (int)((addr * 0x9E3779B97F4A7C15UL) >> (64 - CacheBits));
        if (_cacheAddr[slot] == addr && addr != 0)
            return _cacheIndex[slot];
        int idx = Search(addr);
        _cacheAddr[slot] = addr;
        _cacheIndex[slot] = idx;
        return idx;
    }

    int Search(ulong addr)
    {
        int n = _addr.Length - 1;
        int l = 0, u = n;
        while (l < u)
        {
            int idx = (l + u) >> 1;
            ulong b = _addr[idx];
            if (addr == b || (addr > b && addr < _addr[idx + 1]))
                return idx;
            if (addr < b)
                u = idx;
            else
                l = idx + 1;
        }
        return -1;
    }

    // Rendered "sym+0xoff" per address: the kmem call sites repeat millions of times.
    const int TextCacheBits = 12;
    readonly ulong[] _textAddr = new ulong[1 << TextCacheBits];
    readonly byte[]?[] _text = new byte[1 << TextCacheBits][];

    /// <summary>"sym+0xoff" (%pS) of addr, or null when no symbol contains it.</summary>
    public byte[]? NameWithOffset(ulong addr) => NameWithOffset(addr, out _);

    /// <summary>
    /// "sym+0xoff" (%pS) of addr, or null when no symbol contains it; <paramref name="offsetFitsInt"/> tells whether
    /// the offset is below 2^31 (the kmem plugin prints it as an int). Only such texts are cached.
    /// </summary>
    public byte[]? NameWithOffset(ulong addr, out bool offsetFitsInt)
    {
        int slot = (int)((addr * 0x9E3779B97F4A7C15UL) >> (64 - TextCacheBits));
        var hit = _text[slot];
        if (hit is not null && _textAddr[slot] == addr)
        {
            offsetFitsInt = true;
            return hit;
        }
        offsetFitsInt = false;
        int idx = Find(addr);
        if (idx < 0)
            return null;
        var name = _name[idx];
        ulong off = addr - _addr[idx];
        int digits = off == 0 ? 1 : (67 - System.Numerics.BitOperations.LeadingZeroCount(off)) >> 2;
        var text = new byte[name.Length + 3 + digits];
        name.CopyTo(text, 0);
        "+0x"u8.CopyTo(text.AsSpan(name.Length));
        for (int i = text.Length - 1; i >= name.Length + 3; i--, off >>= 4)
            text[i] = (byte)"0123456789abcdef"[(int)(off & 0xf)];
        offsetFitsInt = addr - _addr[idx] <= int.MaxValue;
        if (offsetFitsInt)
        {
            _textAddr[slot] = addr;
            _text[slot] = text;
        }
        return text;
    }

    public ReadOnlySpan<byte> Name(int index) => _name[index];
    public ulong Address(int index) => _addr[index];

    /// <summary>Distance to the next symbol (the "/0xsize" of %pS in kernel text), 0 for the last one.</summary>
    public ulong Size(int index) => index + 1 < _addr.Length - 1 ? _addr[index + 1] - _addr[index] : 0;

    public bool TryPrintk(ulong addr, out byte[] text) => _printk.TryGetValue(addr, out text!);
}
