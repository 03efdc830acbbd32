using System.Buffers.Binary;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>Thrown for unreadable metadata; caught per section/page and turned into an IngestErrorLog entry with its offset.</summary>
public sealed class TraceDatFormatException(long offset, string reason) : Exception(reason)
{
    public long Offset { get; } = offset;
}

/// <summary>Integer reads in the file's endianness (everything after the header's endian byte, pages included).</summary>
public readonly struct DatEndian(bool bigEndian)
{
    public bool BigEndian { get; } = bigEndian;

    public ushort U16(ReadOnlySpan<byte> b) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
    public uint U32(ReadOnlySpan<byte> b) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);
    public ulong U64(ReadOnlySpan<byte> b) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);

    /// <summary>Unsigned value of a 1/2/4/8-byte field (other sizes read as 0).</summary>
    public ulong Unsigned(ReadOnlySpan<byte> b, int size) => size switch
    {
        1 => b[0],
        2 => U16(b),
        4 => U32(b),
        8 => U64(b),
        _ => 0,
    };
}

/// <summary>
/// Bounds-checked sequential reader over metadata bytes (a decompressed v7 section or a window of a v6 file).
/// Every read checks the remaining length, so a bad size ends in a TraceDatFormatException, never a huge allocation.
/// </summary>
public sealed class DatCursor
{
    readonly Stream _stream;
    readonly long _end;
    readonly long _reportBase;
    readonly bool _reportAbsolute;

    /// <param name="stream">seekable stream holding the bytes</param>
    /// <param name="start">first byte</param>
    /// <param name="end">one past the last readable byte</param>
    /// <param name="reportOffset">file offset reported for errors: the position itself when null (plain file), else this fixed offset (decompressed section)</param>
    public DatCursor(Stream stream, long start, long end, DatEndian endian, long? reportOffset = null)
    {
        _stream = stream;
        Position = start;
        _end = Math.Min(end, stream.Length);
        Endian = endian;
        _reportAbsolute = reportOffset is null;
        _reportBase = reportOffset ?? 0;
    }

    public long Position { get; set; }
    public Stream Stream => _stream;
    public DatEndian Endian { get; set; }
    public long Remaining => _end - Position;
    public long ReportOffset => _reportAbsolute ? Position : _reportBase;

    public TraceDatFormatException Error(string reason) => new(ReportOffset, reason);

    /// <summary>An offset read from the file points beyond its end: the usual sign of a cut-off file.</summary>
    TraceDatFormatException PastTheEnd(string what) => Error($"{what}: offset {Position} lies past the end of the data ({_end} bytes); truncated file?");

    public byte[] ReadBytes(long count, string what)
    {
        if (Remaining < 0)
            throw PastTheEnd(what);
        if (count < 0 || count > Remaining)
            throw Error($"{what}: length {count} exceeds the {Remaining} bytes left");
        var bytes = new byte[count];
        _stream.Position = Position;
        _stream.ReadExactly(bytes);
        Position += count;
        return bytes;
    }

    void Fill(Span<byte> dst, string what)
    {
        if (Remaining < 0)
            throw PastTheEnd(what);
        if (dst.Length > Remaining)
            throw Error($"{what}: truncated ({Remaining} bytes left, {dst.Length} needed)");
        _stream.Position = Position;
        _stream.ReadExactly(dst);
        Position += dst.Length;
    }

    public byte U8(string what) { Span<byte> b = stackalloc byte[1]; Fill(b, what); return b[0]; }
    public ushort U16(string what) { Span<byte> b = stackalloc byte[2]; Fill(b, what); return Endian.U16(b); }
    public uint U32(string what) { Span<byte> b = stackalloc byte[4]; Fill(b, what); return Endian.U32(b); }
    public ulong U64(string what) { Span<byte> b = stackalloc byte[8]; Fill(b, what); return Endian.U64(b); }

    /// <summary>NUL-terminated string (at most 4096 bytes: names, clocks, versions).</summary>
    public string CStr(string what, int max = 4096)
    {
        var sb = new List<byte>();
        while (true)
        {
            byte b = U8(what);
            if (b == 0)
                return System.Text.Encoding.UTF8.GetString(sb.ToArray());
            if (sb.Count >= max)
                throw Error($"{what}: string without terminator");
            sb.Add(b);
        }
    }

    /// <summary>Reads exactly the literal tag (e.g. "flyrecord\0").</summary>
    public bool TryTag(ReadOnlySpan<byte> tag)
    {
        if (Remaining < tag.Length)
            return false;
        Span<byte> b = stackalloc byte[tag.Length];
        long at = Position;
        Fill(b, "tag");
        if (b.SequenceEqual(tag))
            return true;
        Position = at;
        return false;
    }
}
