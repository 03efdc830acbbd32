using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace TraceReplay.Output;

/// <summary>A growable byte buffer that hands out spans to write into (the page and footer builder of the events writer).</summary>
sealed class ByteBuffer(int capacity = 4096)
{
    byte[] _data = new byte[capacity];

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Written => _data.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public Span<byte> GetSpan(int size)
    {
        if (Length + size > _data.Length)
            Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + size));
        return _data.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        Length++;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        Length += 4;
    }

    public void WriteVarint(ulong value)
    {
        var span = GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        Length += n;
    }

    public void PatchByte(int at, byte value) => _data[at] = value;

    /// <summary>Overwrites 4 bytes written earlier (a length prefix known only after what follows it).</summary>
    public void PatchInt32(int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(_data.AsSpan(at), value);
}

/// <summary>
/// The Thrift compact protocol, as far as Parquet's page headers and footer need it: structs of i8/i32/i64/bool/binary
/// fields, nested structs and lists. Field ids must rise within a struct (they do in every Parquet struct we write).
/// </summary>
sealed class ThriftCompactWriter(ByteBuffer output)
{
    const byte TypeTrue = 1, TypeFalse = 2, TypeByte = 3, TypeI32 = 5, TypeI64 = 6, TypeBinary = 8, TypeList = 9, TypeStruct = 12;

    readonly Stack<short> _outerFieldIds = new();
    short _lastFieldId;

    public void BeginStruct()
    {
        _outerFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        output.WriteByte(0);
        _lastFieldId = _outerFieldIds.Pop();
    }

    public void Struct(short id)
    {
        FieldHeader(id, TypeStruct);
        BeginStruct();
    }

    public void I8(short id, sbyte value)
    {
        FieldHeader(id, TypeByte);
        output.WriteByte((byte)value);
    }

    public void I32(short id, int value)
    {
        FieldHeader(id, TypeI32);
        output.WriteVarint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, TypeI64);
        output.WriteVarint(ZigZag(value));
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? TypeTrue : TypeFalse);

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, TypeBinary);
        output.WriteVarint((ulong)value.Length);
        output.Write(value);
    }

    public void String(short id, string value) => Binary(id, Encoding.UTF8.GetBytes(value));

    public void ListOfStructs(short id, int count) => ListHeader(id, TypeStruct, count);
    public void ListOfI32(short id, int count) => ListHeader(id, TypeI32, count);
    public void ListOfBinary(short id, int count) => ListHeader(id, TypeBinary, count);

    /// <summary>An i32 element of a list.</summary>
    public void ElementI32(int value) => output.WriteVarint(ZigZag(value));

    /// <summary>A string element of a list.</summary>
    public void ElementString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        output.WriteVarint((ulong)bytes.Length);
        output.Write(bytes);
    }

    void ListHeader(short id, byte elementType, int count)
    {
        FieldHeader(id, TypeList);
        if (count < 15)
            output.WriteByte((byte)(count << 4 | elementType));
        else
        {
            output.WriteByte((byte)(0xF0 | elementType));
            output.WriteVarint((ulong)count);
        }
    }

    void FieldHeader(short id, byte type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
            output.WriteByte((byte)(delta << 4 | type));
        else
        {
            output.WriteByte(type);
            output.WriteVarint(ZigZag(id));
        }
        _lastFieldId = id;
    }

    static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}

/// <summary>Parquet's RLE / bit-packing hybrid (definition levels, dictionary indices) and PLAIN booleans.</summary>
static class ParquetBits
{
    /// <summary>Bit-packed runs hold at most 63 groups of 8, so their header is one byte (what parquet-mr and Arrow write).</summary>
    const int MaxGroupsPerLiteralRun = 63;

    /// <summary>Bits needed for values 0..maxValue (at least 1: some readers mishandle width 0).</summary>
    public static int BitWidth(int maxValue) => Math.Max(1, 32 - BitOperations.LeadingZeroCount((uint)maxValue));

    /// <summary>
    /// Encodes values as RLE runs where at least 8 equal values follow each other, bit-packed groups of 8 elsewhere
    /// (only the last group is padded, with zeros: readers stop at the page's value count).
    /// </summary>
    public static void EncodeHybrid<T>(ReadOnlySpan<T> values, int bitWidth, ByteBuffer output) where T : unmanaged, IBinaryInteger<T>
    {
        int byteWidth = (bitWidth + 7) / 8;
        int i = 0, n = values.Length;
        while (i < n)
        {
            int run = RunLength(values, i);
            if (run >= 8)
            {
                output.WriteVarint((ulong)run << 1);
                uint v = uint.CreateTruncating(values[i]);
                var span = output.GetSpan(4);
                for (int b = 0; b < byteWidth; b++) span[b] = (byte)(v >> (8 * b));
                output.Advance(byteWidth);
                i += run;
                continue;
            }
            // Literal groups until a run of 8 starts or the run is full.
            int start = i, groups = 0;
            do
            {
                i += 8;
                groups++;
            } while (i < n && groups < MaxGroupsPerLiteralRun && RunLength(values, i, 8) < 8);
            output.WriteVarint((ulong)groups << 1 | 1);
            BitPack(values.Slice(start, Math.Min(i, n) - start), bitWidth, groups * bitWidth, output);
            if (i > n) i = n;
        }
    }

    /// <summary>How many values equal values[start] follow from start (capped at <paramref name="limit"/>).</summary>
    static int RunLength<T>(ReadOnlySpan<T> values, int start, int limit = int.MaxValue) where T : unmanaged, IBinaryInteger<T>
    {
        int end = (int)Math.Min((long)start + limit, values.Length);
        int other = values[start..end].IndexOfAnyExcept(values[start]); // vectorized: definition levels are long runs
        return other < 0 ? end - start : other;
    }

    /// <summary>Packs values LSB first, bitWidth bits each, into exactly byteCount bytes (zero padded).</summary>
    static void BitPack<T>(ReadOnlySpan<T> values, int bitWidth, int byteCount, ByteBuffer output) where T : unmanaged, IBinaryInteger<T>
    {
        var span = output.GetSpan(byteCount + 8);
        int o = PackLsbFirst<T, ulong>(values, bitWidth, span);
        span[o..byteCount].Clear();
        output.Advance(byteCount);
    }

    /// <summary>
    /// Non-negative values LSB first into span; returns the bytes written. The accumulator holds up to 7 pending bits
    /// plus one value: ulong for widths up to 56 bits, UInt128 beyond.
    /// </summary>
    static int PackLsbFirst<T, TAcc>(ReadOnlySpan<T> values, int width, Span<byte> span)
        where T : unmanaged, IBinaryInteger<T> where TAcc : unmanaged, IBinaryInteger<TAcc>
    {
        TAcc acc = TAcc.Zero;
        int bits = 0, o = 0;
        foreach (var value in values)
        {
            acc |= TAcc.CreateTruncating(ulong.CreateTruncating(value)) << bits;
            bits += width;
            while (bits >= 8)
            {
                span[o++] = byte.CreateTruncating(acc);
                acc >>= 8;
                bits -= 8;
            }
        }
        if (bits > 0) span[o++] = byte.CreateTruncating(acc);
        return o;
    }

    /// <summary>PLAIN booleans: one bit each, LSB first.</summary>
    public static void PackBooleans(ReadOnlySpan<byte> values, ByteBuffer output)
    {
        int bytes = (values.Length + 7) / 8;
        var span = output.GetSpan(bytes);
        span[..bytes].Clear();
        for (int i = 0; i < values.Length; i++)
            span[i >> 3] |= (byte)(values[i] << (i & 7));
        output.Advance(bytes);
    }

    const int DeltaBlockSize = 128, DeltaMiniblocks = 4, DeltaMiniblockSize = DeltaBlockSize / DeltaMiniblocks;

    /// <summary>
    /// DELTA_BINARY_PACKED: the first value, then per block of 128 the smallest delta and 4 miniblocks of 32 deltas
    /// above it, bit-packed at the miniblock's own width. Sequences (seq, line, byte_offset, ts_ns) and small values
    /// (cpu, preempt_depth) shrink to a few bits per row, so zstd has far less to chew. INT32 deltas wrap at 32 bits,
    /// as readers decode them.
    /// </summary>
    public static void EncodeDeltaBinaryPacked<T>(ReadOnlySpan<T> values, ByteBuffer output) where T : unmanaged, IBinaryInteger<T>
    {
        bool int32 = typeof(T) == typeof(int);
        output.WriteVarint(DeltaBlockSize);
        output.WriteVarint(DeltaMiniblocks);
        output.WriteVarint((ulong)values.Length);
        long previous = values.Length > 0 ? long.CreateTruncating(values[0]) : 0;
        output.WriteVarint(ZigZag(previous));
        Span<long> deltas = stackalloc long[DeltaBlockSize];
        for (int start = 1; start < values.Length; start += DeltaBlockSize)
        {
            int count = Math.Min(DeltaBlockSize, values.Length - start);
            long min = long.MaxValue;
            for (int k = 0; k < count; k++)
            {
                long value = long.CreateTruncating(values[start + k]);
                long delta = int32 ? (int)value - (int)previous : value - previous;
                previous = value;
                deltas[k] = delta;
                if (delta < min) min = delta;
            }
            output.WriteVarint(ZigZag(min));
            int widthsAt = output.Length;
            output.GetSpan(DeltaMiniblocks)[..DeltaMiniblocks].Clear();
            output.Advance(DeltaMiniblocks);
            for (int m = 0; m * DeltaMiniblockSize < count; m++)
            {
                var mini = deltas.Slice(m * DeltaMiniblockSize, Math.Min(DeltaMiniblockSize, count - m * DeltaMiniblockSize));
                ulong any = 0;
                for (int k = 0; k < mini.Length; k++)
                {
                    ulong above = int32 ? (uint)((int)mini[k] - (int)min) : (ulong)(mini[k] - min);
                    mini[k] = (long)above;
                    any |= above;
                }
                int width = 64 - BitOperations.LeadingZeroCount(any);
                output.PatchByte(widthsAt + m, (byte)width);
                PackMiniblock(mini, width, output);
            }
        }
    }

    /// <summary>32 values of <paramref name="width"/> bits, LSB first (a short last miniblock is padded with zeros).</summary>
    static void PackMiniblock(ReadOnlySpan<long> values, int width, ByteBuffer output)
    {
        if (width == 0) return;
        int bytes = DeltaMiniblockSize * width / 8;
        var span = output.GetSpan(bytes + 16);
        int o = width <= 56 ? PackLsbFirst<long, ulong>(values, width, span) : PackLsbFirst<long, UInt128>(values, width, span);
        span[o..bytes].Clear();
        output.Advance(bytes);
    }

    static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
