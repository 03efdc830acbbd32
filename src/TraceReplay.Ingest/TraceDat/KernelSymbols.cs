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
        var entries = new List<(ulong Addr, byte[] Name)>();
        foreach (var line in Lines(kallsyms))
        {
            // "ffffffff81000000 T _stext" [+ "\t[module]"]
            int sp1 = line.IndexOf((byte)' ');
            if (sp1 <= 0 || sp1 + 3 > line.Length)
                continue;
            if (!ulong.TryParse(Encoding.ASCII.GetString(line[..sp1]), NumberStyles.AllowHexSpecifier, null, out ulong addr))
                continue;
            byte type = line[sp1 + 1];
            var name = line[(sp1 + 3)..];
            int end = name.IndexOfAny((byte)'\t', (byte)' ');
            if (end >= 0)
                name = name[..end];
            if (type is (byte)'A' or (byte)'a' || name.Length == 0 || name[0] == (byte)'$')
                continue;
            entries.Add((addr, name.ToArray()));
        }
        entries.Reverse(); // libtraceevent prepends to a list
        var sorted = entries.Select((e, i) => (e, i)).OrderBy(x => x.e.Addr).ThenBy(x => x.i).Select(x => x.e).ToArray();
        _addr = new ulong[sorted.Length + 1];
        _name = new byte[sorted.Length + 1][];
        for (int i = 0; i < sorted.Length; i++)
        {
            _addr[i] = sorted[i].Addr;
            _name[i] = sorted[i].Name;
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

    /// <summary>Index of the symbol containing addr (glibc bsearch with libtraceevent's func_bcmp), or -1.</summary>
    public int Find(ulong addr)
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

    public ReadOnlySpan<byte> Name(int index) => _name[index];
    public ulong Address(int index) => _addr[index];

    public bool TryPrintk(ulong addr, out byte[] text) => _printk.TryGetValue(addr, out text!);
}
