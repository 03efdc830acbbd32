namespace TraceReplay.Synth.Output;

/// <summary>Growable UTF-8 byte buffer with the few printf conversions the kernel formats use (%d, %lu, %x, %016lx).</summary>
public sealed class ByteBuf
{
    public byte[] Data = new byte[1 << 12];
    public int Length;

    public void Clear() => Length = 0;

    public ReadOnlySpan<byte> Span => Data.AsSpan(0, Length);

    public void Ensure(int extra)
    {
        if (Length + extra > Data.Length)
            Array.Resize(ref Data, Math.Max(Data.Length * 2, Length + extra));
    }

    public void Add(ReadOnlySpan<byte> s)
    {
        Ensure(s.Length);
        s.CopyTo(Data.AsSpan(Length));
        Length += s.Length;
    }

    public void Add(byte b)
    {
        Ensure(1);
        Data[Length++] = b;
    }

    public void Spaces(int n)
    {
        if (n <= 0) return;
        Ensure(n);
        Data.AsSpan(Length, n).Fill((byte)' ');
        Length += n;
    }

    /// <summary>Decimal, left-padded with spaces (width &gt; 0) or right-padded (width &lt; 0) like %Nd / %-Nd.</summary>
    public void Dec(long v, int width = 0)
    {
        Span<byte> tmp = stackalloc byte[24];
        int n = FormatDec(v, tmp);
        int pad = Math.Abs(width) - n;
        if (width > 0) Spaces(pad);
        Add(tmp[(24 - n)..]);
        if (width < 0) Spaces(pad);
    }

    /// <summary>Zero-padded decimal (%0Nd).</summary>
    public void DecZero(long v, int width)
    {
        Span<byte> tmp = stackalloc byte[24];
        int n = FormatDec(v, tmp);
        Ensure(width + n);
        for (int i = n; i < width; i++) Data[Length++] = (byte)'0';
        Add(tmp[(24 - n)..]);
    }

    static int FormatDec(long v, Span<byte> tmp)
    {
        bool neg = v < 0;
        ulong u = neg ? (ulong)(-v) : (ulong)v;
        int i = 24;
        do { tmp[--i] = (byte)('0' + (int)(u % 10)); u /= 10; } while (u != 0);
        if (neg) tmp[--i] = (byte)'-';
        return 24 - i;
    }

    /// <summary>Lower-case hex, zero-padded to minDigits (%x, %016lx).</summary>
    public void Hex(ulong v, int minDigits = 1)
    {
        Span<byte> tmp = stackalloc byte[16];
        int i = 16;
        do { tmp[--i] = (byte)"0123456789abcdef"[(int)(v & 0xf)]; v >>= 4; } while (v != 0);
        Ensure(16 + minDigits);
        for (int k = 16 - i; k < minDigits; k++) Data[Length++] = (byte)'0';
        Add(tmp[i..]);
    }

    /// <summary>"%p" on 3.x x86-64: 16 zero-padded hex digits, no 0x.</summary>
    public void Ptr(ulong v) => Hex(v, 16);

    /// <summary>"%pS": sym+0xoff/0xsize.</summary>
    public void SymOff(Model.Sym s, int off)
    {
        Add(s.Utf8);
        Add("+0x"u8);
        Hex((ulong)off);
        Add("/0x"u8);
        Hex((ulong)s.Size);
    }
}
