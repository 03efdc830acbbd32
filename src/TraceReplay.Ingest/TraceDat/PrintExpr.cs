namespace TraceReplay.Ingest.TraceDat;

/// <summary>The record being rendered: its bytes (payload of one ring-buffer event) and the file's conventions.</summary>
public sealed class RecordContext
{
    public byte[] Data = [];
    public int Start;
    public int Length;
    public DatEndian Endian;
    public int LongSize = 8;
    public KernelSymbols Symbols = null!;

    public ReadOnlySpan<byte> Record => Data.AsSpan(Start, Length);

    /// <summary>Unsigned value of a field (libtraceevent reads without sign extension); 0 when outside the record.</summary>
    public ulong Read(FormatField f)
    {
        int offset = f.Offset, size = f.Size;
        if (offset + size > Length)
            return 0;
        var b = Data.AsSpan(Start + offset, size);
        if (!Endian.BigEndian)
        {
            return size switch
            {
                8 => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b),
                4 => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b),
                2 => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b),
                1 => b[0],
                _ => 0,
            };
        }
        return Endian.Unsigned(b, size);
    }

    /// <summary>Bytes of an array field: fixed, "[]" rest of record, or __data_loc/__rel_loc dynamic.</summary>
    public ReadOnlySpan<byte> ArrayBytes(FormatField f)
    {
        if (f.IsDataLoc || f.IsRelLoc)
        {
            if (f.Offset + f.Size > Length)
                return default;
            int off, len;
            if (f.Size == 2)
            {
                off = (int)Endian.U16(Data.AsSpan(Start + f.Offset));
                len = Length - off;
            }
            else
            {
                uint v = Endian.U32(Data.AsSpan(Start + f.Offset));
                off = (int)(v & 0xffff);
                len = (int)(v >> 16);
            }
            if (f.IsRelLoc)
                off += f.Offset + f.Size;
            if (off < 0 || len < 0 || off > Length)
                return default;
            return Data.AsSpan(Start + off, Math.Min(len, Length - off));
        }
        if (f.Offset > Length)
            return default;
        int size = f.Size == 0 ? Length - f.Offset : Math.Min(f.Size, Length - f.Offset);
        return Data.AsSpan(Start + f.Offset, size);
    }

    /// <summary>A C string inside bytes: up to the first NUL.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> b)
    {
        int nul = b.IndexOf((byte)0);
        return nul < 0 ? b : b[..nul];
    }
}

/// <summary>An argument expression of a print fmt (libtraceevent semantics: unsigned 64-bit arithmetic, unknown names = 0).</summary>
public abstract class PrintExpr
{
    public abstract ulong Eval(RecordContext c);

    /// <summary>True when %s prints text produced by this node (string literals, char arrays, flags tables…).</summary>
    public virtual bool ProducesString => false;

    /// <summary>%s rendering; default prints the value as hex without 0x (libtraceevent for non-string args).</summary>
    public virtual void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
    {
        o.HexString(Eval(c), flags, width, precision);
    }

    /// <summary>The field this argument reads directly (through casts), if any.</summary>
    public virtual FormatField? DirectField => null;

    /// <summary>Any field referenced inside (for field-key fallback).</summary>
    public virtual FormatField? FirstField => DirectField;

    /// <summary>Bytes for __print_hex/__print_array/__get_bitmask arguments.</summary>
    public virtual ReadOnlySpan<byte> Bytes(RecordContext c) => default;

    /// <summary>
    /// True when the value and text depend on nothing but constants and one scalar field (set in <paramref name="field"/>,
    /// null when none): such a conversion's text can be cached by that field's value.
    /// </summary>
    public virtual bool ReadsOnly(ref FormatField? field) => false;
}

public sealed class NumExpr(ulong value) : PrintExpr
{
    public ulong Value { get; } = value;
    public override ulong Eval(RecordContext c) => Value;
    public override bool ReadsOnly(ref FormatField? field) => true;
}

public sealed class StrExpr(byte[] text) : PrintExpr
{
    public byte[] Text { get; } = text;
    public override ulong Eval(RecordContext c) => 0;
    public override bool ProducesString => true;
    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision) => o.String(Text, flags, width, precision);
    public override bool ReadsOnly(ref FormatField? field) => true;
}

public sealed class FieldExpr(FormatField field) : PrintExpr
{
    public FormatField Field { get; } = field;
    public override ulong Eval(RecordContext c) => c.Read(Field);
    public override FormatField? DirectField => Field;
    public override bool ProducesString => Field.IsArray;
    public override ReadOnlySpan<byte> Bytes(RecordContext c) => c.ArrayBytes(Field);

    public override bool ReadsOnly(ref FormatField? field)
    {
        // 1/2/4/8 bytes: the value read and the bytes a %s of the field would print determine each other
        if (Field.IsArray || Field.Size is not (1 or 2 or 4 or 8) || (field is not null && field != Field))
            return false;
        field = Field;
        return true;
    }

    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
    {
        if (!Field.IsArray && Field.Size == c.LongSize)
        {
            // A pointer-sized scalar printed with %s: a printk format string by address, else the address in hex.
            ulong addr = c.Read(Field);
            if (c.Symbols.TryPrintk(addr, out var s))
                o.String(s, flags, width, precision);
            else
                base.WriteString(c, o, flags, width, precision);
            return;
        }
        o.String(RecordContext.CString(c.ArrayBytes(Field)), flags, width, precision);
    }
}

/// <summary>Unknown identifier (e.g. vmemmap_base): libtraceevent evaluates it as 0.</summary>
public sealed class ZeroExpr : PrintExpr
{
    public override ulong Eval(RecordContext c) => 0;
    public override bool ReadsOnly(ref FormatField? field) => true;
}

/// <summary>(type) expr: truncates only for the C type names libtraceevent knows (eval_type_str).</summary>
public sealed class CastExpr(string type, PrintExpr inner) : PrintExpr
{
    readonly ulong _mask = MaskOf(type);
    public PrintExpr Inner { get; } = inner;
    /// <summary>The bits the cast keeps.</summary>
    public ulong Mask => _mask;

    static ulong MaskOf(string type)
    {
        type = type.Trim();
        if (type.EndsWith('*') || type.StartsWith("struct", StringComparison.Ordinal))
            return ulong.MaxValue;
        if (type.StartsWith("unsigned ", StringComparison.Ordinal))
            type = type[9..].Trim();
        return type switch
        {
            "u8" or "s8" or "char" => 0xff,
            "u16" or "s16" or "short" => 0xffff,
            "u32" or "s32" or "int" => 0xffffffff,
            _ => ulong.MaxValue,
        };
    }

    public override ulong Eval(RecordContext c) => Inner.Eval(c) & _mask;
    public override bool ProducesString => Inner.ProducesString;
    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision) => Inner.WriteString(c, o, flags, width, precision);
    public override FormatField? DirectField => Inner.DirectField;
    public override FormatField? FirstField => Inner.FirstField;
    public override ReadOnlySpan<byte> Bytes(RecordContext c) => Inner.Bytes(c);
    public override bool ReadsOnly(ref FormatField? field) => Inner.ReadsOnly(ref field);
}

public sealed class UnaryExpr(char op, PrintExpr inner) : PrintExpr
{
    public override ulong Eval(RecordContext c)
    {
        ulong v = inner.Eval(c);
        return op switch
        {
            '-' => 0 - v,
            '!' => v == 0 ? 1UL : 0UL,
            '~' => ~v,
            _ => v,
        };
    }
    public override FormatField? FirstField => inner.FirstField;
    public override bool ReadsOnly(ref FormatField? field) => inner.ReadsOnly(ref field);
}

public sealed class BinaryExpr(string op, PrintExpr left, PrintExpr right) : PrintExpr
{
    enum Op : byte { Add, Sub, Mul, Div, Mod, Shl, Shr, And, Or, Xor, Eq, Ne, Lt, Gt, Le, Ge, LogAnd, LogOr, Unknown }

    readonly Op _op = op switch
    {
        "+" => Op.Add, "-" => Op.Sub, "*" => Op.Mul, "/" => Op.Div, "%" => Op.Mod, "<<" => Op.Shl, ">>" => Op.Shr,
        "&" => Op.And, "|" => Op.Or, "^" => Op.Xor, "==" => Op.Eq, "!=" => Op.Ne, "<" => Op.Lt, ">" => Op.Gt,
        "<=" => Op.Le, ">=" => Op.Ge, "&&" => Op.LogAnd, "||" => Op.LogOr, _ => Op.Unknown,
    };

    public override ulong Eval(RecordContext c)
    {
        ulong l = left.Eval(c);
        if (_op == Op.LogAnd) return l != 0 && right.Eval(c) != 0 ? 1UL : 0UL;
        if (_op == Op.LogOr) return l != 0 || right.Eval(c) != 0 ? 1UL : 0UL;
        ulong r = right.Eval(c);
        return _op switch
        {
            Op.Add => l + r,
            Op.Sub => l - r,
            Op.Mul => l * r,
            Op.Div => r == 0 ? 0 : l / r,
            Op.Mod => r == 0 ? 0 : l % r,
            Op.Shl => r >= 64 ? 0 : l << (int)r,
            Op.Shr => r >= 64 ? 0 : l >> (int)r,
            Op.And => l & r,
            Op.Or => l | r,
            Op.Xor => l ^ r,
            Op.Eq => l == r ? 1UL : 0UL,
            Op.Ne => l != r ? 1UL : 0UL,
            Op.Lt => l < r ? 1UL : 0UL,
            Op.Gt => l > r ? 1UL : 0UL,
            Op.Le => l <= r ? 1UL : 0UL,
            Op.Ge => l >= r ? 1UL : 0UL,
            _ => 0,
        };
    }
    public override FormatField? FirstField => left.FirstField ?? right.FirstField;
    public override bool ReadsOnly(ref FormatField? field) => left.ReadsOnly(ref field) && right.ReadsOnly(ref field);
}

public sealed class TernaryExpr(PrintExpr cond, PrintExpr yes, PrintExpr no) : PrintExpr
{
    public PrintExpr Cond => cond;
    public PrintExpr Yes => yes;
    public PrintExpr No => no;
    /// <summary>Written inside parentheses (see PrintFormat's re-association quirk).</summary>
    public bool Parenthesized { get; set; }

    public override ulong Eval(RecordContext c) => cond.Eval(c) != 0 ? yes.Eval(c) : no.Eval(c);
    public override bool ProducesString => yes.ProducesString || no.ProducesString;
    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
        => (cond.Eval(c) != 0 ? yes : no).WriteString(c, o, flags, width, precision);
    public override FormatField? FirstField => cond.FirstField ?? yes.FirstField ?? no.FirstField;
    public override bool ReadsOnly(ref FormatField? field) => cond.ReadsOnly(ref field) && yes.ReadsOnly(ref field) && no.ReadsOnly(ref field);
}

/// <summary>__get_str(f) / __get_dynamic_array(f) / __get_bitmask(f) source.</summary>
public sealed class DynamicArrayExpr(FormatField? source, bool bitmask) : PrintExpr
{
    public FormatField? Source => source;
    public bool IsBitmask => bitmask;
    public override ulong Eval(RecordContext c) => source is null ? 0 : (ulong)c.ArrayBytes(source).Length;
    public override bool ProducesString => true;
    public override FormatField? FirstField => source;
    public override ReadOnlySpan<byte> Bytes(RecordContext c) => source is null ? default : c.ArrayBytes(source);

    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
    {
        var b = Bytes(c);
        if (!bitmask)
        {
            o.String(RecordContext.CString(b), flags, width, precision);
            return;
        }
        // Bitmask: most significant 32-bit word first, 8 hex digits each, comma separated.
        var t = new TextOut(); // rare: bitmask fields only
        int words = b.Length / 4;
        for (int w = words - 1; w >= 0; w--)
        {
            uint v = c.Endian.U32(b[(w * 4)..]);
            for (int shift = 28; shift >= 0; shift -= 4)
                t.Byte((byte)"0123456789abcdef"[(int)((v >> shift) & 0xf)]);
            if (w > 0) t.Byte((byte)',');
        }
        o.String(t.Span, flags, width, precision);
    }
}

/// <summary>__print_flags(val, delim, {mask, "NAME"}, …) — libtraceevent's walk: every fully-set mask in order, leftover as 0x%llx.</summary>
public sealed class PrintFlagsExpr(PrintExpr value, byte[] delim, (ulong Mask, byte[] Name)[] table) : PrintExpr
{
    public override ulong Eval(RecordContext c) => value.Eval(c);
    public override bool ProducesString => true;
    public override FormatField? FirstField => value.FirstField;
    public override bool ReadsOnly(ref FormatField? field) => value.ReadsOnly(ref field);

    // Rendered text of the last few values (gfp_flags repeat a lot).
    readonly ulong[] _cacheValue = new ulong[64];
    readonly byte[]?[] _cacheText = new byte[64][];
    readonly TextOut _scratch = new();

    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
    {
        ulong v = value.Eval(c);
        if (flags == PrintfFlags.None && width <= 0 && precision < 0)
        {
            int slot = (int)((v * 0x9E3779B97F4A7C15UL) >> 58);
            if (_cacheText[slot] is { } hit && _cacheValue[slot] == v)
            {
                o.Bytes(hit);
                return;
            }
            _scratch.Clear();
            Walk(v, _scratch, flags, width, precision);
            _cacheValue[slot] = v;
            _cacheText[slot] = _scratch.Span.ToArray();
            o.Bytes(_scratch.Span);
            return;
        }
        Walk(v, o, flags, width, precision);
    }

    void Walk(ulong v, TextOut o, PrintfFlags flags, int width, int precision)
    {
        bool printed = false;
        foreach (var (mask, name) in table)
        {
            if (v == 0 && (long)mask < 0)
            {
                o.String(name, flags, width, precision);
                break;
            }
            if ((long)mask > 0 && (v & mask) == mask)
            {
                if (printed) o.Bytes(delim);
                o.String(name, flags, width, precision);
                printed = true;
                v &= ~mask;
            }
        }
        if (v != 0)
        {
            if (printed) o.Bytes(delim);
            o.Bytes("0x"u8);
            o.Hex(v);
        }
    }
}

/// <summary>__print_symbolic(val, {v, "NAME"}, …): exact match, else 0x%llx.</summary>
public sealed class PrintSymbolicExpr(PrintExpr value, (ulong Value, byte[] Name)[] table) : PrintExpr
{
    public override ulong Eval(RecordContext c) => value.Eval(c);
    public override bool ProducesString => true;
    public override FormatField? FirstField => value.FirstField;
    public override bool ReadsOnly(ref FormatField? field) => value.ReadsOnly(ref field);

    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
    {
        ulong v = value.Eval(c);
        foreach (var (val, name) in table)
            if (val == v)
            {
                o.String(name, flags, width, precision);
                return;
            }
        o.Bytes("0x"u8);
        o.Hex(v);
    }
}

/// <summary>__print_hex / __print_hex_str (bytes as %02x, space separated unless _str) and __print_array.</summary>
public sealed class PrintBytesExpr(PrintExpr source, PrintExpr count, PrintExpr? elementSize, bool separated, bool array) : PrintExpr
{
    public override ulong Eval(RecordContext c) => 0;
    public override bool ProducesString => true;
    public override FormatField? FirstField => source.FirstField;

    public override void WriteString(RecordContext c, TextOut o, PrintfFlags flags, int width, int precision)
    {
        var b = source.Bytes(c);
        ulong n = count.Eval(c);
        if (!array)
        {
            int len = (int)Math.Min(n, (ulong)b.Length);
            for (int i = 0; i < len; i++)
            {
                if (i > 0 && separated) o.Byte((byte)' ');
                o.Byte((byte)"0123456789abcdef"[b[i] >> 4]);
                o.Byte((byte)"0123456789abcdef"[b[i] & 0xf]);
            }
            return;
        }
        int es = (int)(elementSize?.Eval(c) ?? 1);
        if (es is not (1 or 2 or 4 or 8)) es = 1;
        int count2 = (int)Math.Min(n, (ulong)(b.Length / es));
        o.Byte((byte)'{');
        for (int i = 0; i < count2; i++)
        {
            if (i > 0) o.Byte((byte)',');
            o.Bytes("0x"u8);
            o.Hex(c.Endian.Unsigned(b[(i * es)..], es));
        }
        o.Byte((byte)'}');
    }
}
