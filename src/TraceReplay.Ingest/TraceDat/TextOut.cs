namespace TraceReplay.Ingest.TraceDat;

/// <summary>Growable UTF-8 output buffer with glibc-printf compatible integer/string formatting (no allocation per call).</summary>
public sealed class TextOut
{
    public byte[] Buffer = new byte[1024];
    public int Length;

    public void Clear() => Length = 0;

    /// <summary>Writes straight into another arena (the chunk's text) from its current length; Detach hands it back (maybe grown).</summary>
    public void Attach(byte[] buffer, int length)
    {
        Buffer = buffer;
        Length = length;
    }
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    void Ensure(int extra)
    {
        if ((uint)(Length + extra) > (uint)Buffer.Length)
            Grow(extra);
    }

    void Grow(int extra) => Array.Resize(ref Buffer, Math.Max(Buffer.Length * 2, Length + extra));

    public void Byte(byte b)
    {
        Ensure(1);
        Buffer[Length++] = b;
    }

    public void Bytes(ReadOnlySpan<byte> s)
    {
        Ensure(s.Length);
        s.CopyTo(Buffer.AsSpan(Length));
        Length += s.Length;
    }

    public const int ShortLength = 16;

    /// <summary>
    /// Writes the first <paramref name="length"/> bytes of a 16-byte padded literal with one vector copy: the print fmt
    /// literals (" ptr=", " name=") are short, and a Memmove call per literal showed in profiles. The bytes written
    /// past Length are scratch (overwritten by what follows).
    /// </summary>
    public void Short(byte[] padded16, int length)
    {
        Ensure(ShortLength);
        var v = System.Runtime.InteropServices.MemoryMarshal.Read<System.Runtime.Intrinsics.Vector128<byte>>(padded16);
        System.Runtime.InteropServices.MemoryMarshal.Write(Buffer.AsSpan(Length), in v);
        Length += length;
    }

    public void Pad(byte c, int n)
    {
        if (n <= 0) return;
        Ensure(n);
        Buffer.AsSpan(Length, n).Fill(c);
        Length += n;
    }

    public void Decimal(long v)
    {
        if (v < 0) { Byte((byte)'-'); Unsigned((ulong)(-(v + 1)) + 1); }
        else Unsigned((ulong)v);
    }

    // "00".."99": two digits per division (most printed numbers are sizes, counts and pids).
    static ReadOnlySpan<byte> TwoDigits => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    public void Unsigned(ulong v)
    {
        if (v < 10)
        {
            Ensure(1);
            Buffer[Length++] = (byte)('0' + (int)v);
            return;
        }
        int n = 2;
        for (ulong t = v; t >= 100; t /= 10) n++;
        Ensure(n);
        var dst = Buffer.AsSpan(Length, n);
        int i = n;
        var pairs = TwoDigits;
        while (v >= 100)
        {
            ulong q = v / 100;
            int r = (int)(v - q * 100) * 2;
            dst[--i] = pairs[r + 1];
            dst[--i] = pairs[r];
            v = q;
        }
        if (v >= 10)
        {
            int r = (int)v * 2;
            dst[--i] = pairs[r + 1];
            dst[--i] = pairs[r];
        }
        else
            dst[--i] = (byte)('0' + (int)v);
        Length += n;
    }

    // "00".."ff": a byte per step (pointers print 16 digits).
    static ReadOnlySpan<byte> HexPairs => "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"u8;

    public void Hex(ulong v)
    {
        int n = v == 0 ? 1 : (67 - System.Numerics.BitOperations.LeadingZeroCount(v)) >> 2;
        Ensure(n);
        var dst = Buffer.AsSpan(Length, n);
        var pairs = HexPairs;
        int i = n;
        for (; i >= 2; i -= 2, v >>= 8)
        {
            int b = (int)(v & 0xff) * 2;
            dst[i - 1] = pairs[b + 1];
            dst[i - 2] = pairs[b];
        }
        if (i == 1)
            dst[0] = "0123456789abcdef"u8[(int)(v & 0xf)];
        Length += n;
    }

    /// <summary>Writes digits right-aligned at the end of tmp (24 bytes) and returns their count.</summary>
    static int Digits(ulong v, int radix, bool upper, Span<byte> tmp)
    {
        int i = tmp.Length;
        if (v == 0) { tmp[--i] = (byte)'0'; return 1; }
        ReadOnlySpan<byte> digits = upper ? "0123456789ABCDEF"u8 : "0123456789abcdef"u8;
        while (v != 0)
        {
            tmp[--i] = digits[(int)(v % (ulong)radix)];
            v /= (ulong)radix;
        }
        return tmp.Length - i;
    }

    /// <summary>printf of an already length-narrowed integer: conv d i u x X o c, flags "-0+ #", width, precision (-1 none).</summary>
    public void Integer(long value, bool signedConv, char conv, PrintfFlags flags, int width, int precision)
    {
        if (width <= 1 && precision < 0 && flags == PrintfFlags.None && conv != 'c' && conv != 'o')
        {
            // common case: plain %d / %u / %x
            if (conv is 'x' or 'X')
            {
                if (conv == 'x') { Hex((ulong)value); return; }
            }
            else if (signedConv) { Decimal(value); return; }
            else { Unsigned((ulong)value); return; }
        }
        if (conv == 'c')
        {
            if (!flags.HasFlag(PrintfFlags.Minus)) Pad((byte)' ', width - 1);
            Byte((byte)value);
            if (flags.HasFlag(PrintfFlags.Minus)) Pad((byte)' ', width - 1);
            return;
        }
        Span<byte> tmp = stackalloc byte[24];
        ReadOnlySpan<byte> sign = default;
        ulong mag;
        if (signedConv && value < 0) { sign = "-"u8; mag = (ulong)(-(value + 1)) + 1; }
        else
        {
            mag = (ulong)value;
            if (signedConv && flags.HasFlag(PrintfFlags.Plus)) sign = "+"u8;
            else if (signedConv && flags.HasFlag(PrintfFlags.Space)) sign = " "u8;
        }
        int radix = conv is 'x' or 'X' ? 16 : conv == 'o' ? 8 : 10;
        int n = precision == 0 && mag == 0 ? 0 : Digits(mag, radix, conv == 'X', tmp);
        ReadOnlySpan<byte> prefix = default;
        if (flags.HasFlag(PrintfFlags.Hash) && mag != 0)
            prefix = conv == 'x' ? "0x"u8 : conv == 'X' ? "0X"u8 : default;
        int zeros = precision > n ? precision - n : 0;
        if (conv == 'o' && flags.HasFlag(PrintfFlags.Hash) && zeros == 0 && (n == 0 || tmp[24 - n] != (byte)'0'))
            zeros = 1;
        int body = sign.Length + prefix.Length + zeros + n;
        bool left = flags.HasFlag(PrintfFlags.Minus);
        bool zeroPad = flags.HasFlag(PrintfFlags.Zero) && !left && precision < 0;
        if (!left && !zeroPad) Pad((byte)' ', width - body);
        Bytes(sign);
        Bytes(prefix);
        if (zeroPad) Pad((byte)'0', width - body);
        Pad((byte)'0', zeros);
        Bytes(tmp[(24 - n)..]);
        if (left) Pad((byte)' ', width - body);
    }

    /// <summary>%s of a number: hex digits without 0x.</summary>
    public void HexString(ulong v, PrintfFlags flags, int width, int precision)
    {
        Span<byte> tmp = stackalloc byte[24];
        int n = Digits(v, 16, false, tmp);
        String(tmp[(24 - n)..], flags, width, precision);
    }

    /// <summary>printf %s with width and precision (bytes).</summary>
    public void String(ReadOnlySpan<byte> s, PrintfFlags flags, int width, int precision)
    {
        if (precision >= 0 && s.Length > precision) s = s[..precision];
        bool left = flags.HasFlag(PrintfFlags.Minus);
        if (!left) Pad((byte)' ', width - s.Length);
        Bytes(s);
        if (left) Pad((byte)' ', width - s.Length);
    }
}

[Flags]
public enum PrintfFlags : byte
{
    None = 0,
    Minus = 1,
    Zero = 2,
    Plus = 4,
    Space = 8,
    Hash = 16,
}
