using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>
/// ftrace:bprint (trace_printk): the format string comes from printk_formats by the record's fmt address, the
/// arguments are packed in buf as the kernel's vbin_printf stores them (numbers 4-byte aligned, strings inline).
/// Output "ip_symbol: formatted text" like libtraceevent.
/// </summary>
public sealed class BprintRenderer
{
    readonly Dictionary<ulong, List<(byte[]? Literal, PrintSegment? Spec)>?> _formats = new();
    readonly ValueArg _arg = new();

    /// <summary>A numeric or string argument unpacked from buf.</summary>
    sealed class ValueArg : PrintExpr
    {
        public ulong Value;
        public int StrStart = -1, StrLength;
        public override ulong Eval(RecordContext c) => Value;
        public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
        {
            if (StrStart >= 0) o.String(c.Data.AsSpan(StrStart, StrLength), flags, width, precision);
            else o.HexString(Value, flags, width, precision);
        }
    }

    public void Render(RecordContext c, FormatField ip, FormatField fmt, FormatField buf, int ipKey, int bufKey, TextOut o, FieldSink fields)
    {
        int st = o.Length;
        PrintFormat.WriteSymbol(c, o, c.Read(ip), withOffset: false);
        fields.Add(ipKey, FieldType.Text, 0, st, o.Length - st);
        o.Bytes(": "u8);
        int textStart = o.Length;
        ulong addr = c.Read(fmt);
        var parts = Parsed(c, addr);
        if (parts is null)
        {
            o.Bytes("(NO FORMAT FOUND at "u8);
            o.Hex(addr);
            o.Byte((byte)')');
            fields.Add(bufKey, FieldType.Text, 0, textStart, o.Length - textStart);
            return;
        }
        var args = c.ArrayBytes(buf);
        int argsBase = buf.Offset; // offsets relative to the record start (4-aligned like the page)
        int p = 0;
        foreach (var (literal, spec) in parts)
        {
            if (literal is not null) { o.Bytes(literal); continue; }
            var s = spec!;
            int width = s.Width, precision = s.Precision;
            if (s.WidthArg is not null) width = (int)Next(c, args, argsBase, ref p, 4);
            if (s.PrecisionArg is not null) precision = (int)Next(c, args, argsBase, ref p, 4);
            var flags = s.Flags;
            if (width < -1) { flags |= PrintfFlags.Minus; width = -width; }
            _arg.StrStart = -1;
            if (s.Conv == 's')
            {
                var rest = p < args.Length ? args[p..] : default;
                int len = rest.IndexOf((byte)0);
                if (len < 0) len = rest.Length;
                _arg.StrStart = c.Start + argsBase + p;
                _arg.StrLength = len;
                p += len + 1;
            }
            else
            {
                int size = s.Conv == 'p' ? c.LongSize : s.LengthMod switch { 3 => c.LongSize, 4 => 8, _ => 4 };
                _arg.Value = Next(c, args, argsBase, ref p, size);
            }
            PrintFormat.WriteValue(s, _arg, c, o, flags, width, precision);
        }
        fields.Add(bufKey, FieldType.Text, 0, textStart, o.Length - textStart);
    }

    static ulong Next(RecordContext c, ReadOnlySpan<byte> args, int argsBase, ref int p, int size)
    {
        p = ((argsBase + p + 3) & ~3) - argsBase;
        if (p < 0 || p + size > args.Length)
        {
            p = args.Length;
            return 0;
        }
        ulong v = c.Endian.Unsigned(args[p..], size);
        p += size;
        return v;
    }

    List<(byte[]?, PrintSegment?)>? Parsed(RecordContext c, ulong addr)
    {
        if (_formats.TryGetValue(addr, out var cached))
            return cached;
        List<(byte[]?, PrintSegment?)>? parts = null;
        if (c.Symbols.TryPrintk(addr, out var raw))
        {
            var fmt = Unescape(raw);
            parts = new();
            var lit = new List<byte>();
            int i = 0;
            try
            {
                while (i < fmt.Length)
                {
                    if (fmt[i] != (byte)'%') { lit.Add(fmt[i++]); continue; }
                    if (i + 1 < fmt.Length && fmt[i + 1] == (byte)'%') { lit.Add((byte)'%'); i += 2; continue; }
                    if (lit.Count > 0) { parts.Add((lit.ToArray(), null)); lit.Clear(); }
                    var s = PrintFormat.ParseSpec(fmt, ref i);
                    if (s.Width == int.MinValue) { s.Width = -1; s.WidthArg = new ZeroExpr(); }
                    if (s.Precision == int.MinValue) { s.Precision = -1; s.PrecisionArg = new ZeroExpr(); }
                    parts.Add((null, s));
                }
            }
            catch (FormatException)
            {
                lit.AddRange(fmt.AsSpan(i).ToArray());
            }
            if (lit.Count > 0) parts.Add((lit.ToArray(), null));
        }
        _formats[addr] = parts;
        return parts;
    }

    /// <summary>printk_formats keep C escapes ("\n"); the printed text has the characters.</summary>
    static byte[] Unescape(byte[] s)
    {
        var r = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == (byte)'\\' && i + 1 < s.Length)
            {
                i++;
                r.Add(s[i] switch { (byte)'n' => (byte)'\n', (byte)'t' => (byte)'\t', (byte)'r' => (byte)'\r', (byte)'"' => (byte)'"', (byte)'\\' => (byte)'\\', _ => s[i] });
                continue;
            }
            r.Add(s[i]);
        }
        return r.ToArray();
    }
}
