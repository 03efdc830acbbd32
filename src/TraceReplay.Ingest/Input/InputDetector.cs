using System.IO.Compression;
using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Input;

/// <summary>What a file holds, told from its first bytes (never from its name). Unknown comes with the reason.</summary>
public sealed record DetectedInput(TraceFormat Format, string Compression, string Problem = "");

/// <summary>
/// Content-based detection: gzip (1f 8b) and zstd (28 b5 2f fd) are unwrapped first, then trace.dat's magic
/// (17 08 44 "tracing"), then console logs (kernel message prefixes) versus ftrace text. xz (fd "7zXZ") and bzip2
/// ("BZh") are unwrapped too (the public trace.dat fixtures of LISA and trappy are .dat.xz). Compressions we do not
/// unwrap (lz4, zip) and other binary content are Unknown with a reason, rather than text full of "not an ftrace
/// line" errors.
/// </summary>
public static class InputDetector
{
    static ReadOnlySpan<byte> TraceDatMagic => [0x17, 0x08, 0x44, (byte)'t', (byte)'r', (byte)'a', (byte)'c', (byte)'i', (byte)'n', (byte)'g'];
    const int SniffBytes = 64 * 1024;

    public static DetectedInput Detect(string path)
    {
        using var raw = File.OpenRead(path);
        string compression = CompressionOf(raw);
        raw.Position = 0;
        if (compression is not ("" or "gzip" or "zstd" or "xz" or "bzip2"))
            return new DetectedInput(TraceFormat.Unknown, compression,
                $"{compression}-compressed file: not supported; decompress it first (e.g. {DecompressHint(compression)})");
        using var s = Decompress(raw, compression, leaveOpen: true);
        var head = new byte[SniffBytes];
        int n = ReadAtMost(s, head);
        var format = Classify(head.AsSpan(0, n));
        if (format != TraceFormat.TraceDat && FirstBinaryByte(head.AsSpan(0, n)) is int at and >= 0)
            return new DetectedInput(TraceFormat.Unknown, compression,
                $"binary content (byte 0x{head[at]:x2} at offset {at}) that is neither trace.dat nor text");
        return new DetectedInput(format, compression);
    }

    static string DecompressHint(string compression) => compression switch
    {
        "lz4" => "lz4 -d FILE",
        _ => "unzip FILE",
    };

    /// <summary>
    /// Offset of the first byte no text trace or log holds (NUL and most control bytes) when there are many of them,
    /// else -1: a serial console log may carry a few stray NULs and stays text.
    /// </summary>
    static int FirstBinaryByte(ReadOnlySpan<byte> head)
    {
        int first = -1, count = 0;
        for (int i = 0; i < head.Length; i++)
        {
            byte b = head[i];
            if (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t' or 0x0c or 0x1b))
            {
                if (first < 0) first = i;
                count++;
            }
        }
        return count > Math.Max(8, head.Length / 256) ? first : -1;
    }

    /// <summary>Opens the file as a decompressed stream (plain files are returned as they are).</summary>
    public static Stream OpenDecompressed(string path, out string compression)
    {
        var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        compression = CompressionOf(raw);
        raw.Position = 0;
        return Decompress(raw, compression, leaveOpen: false);
    }

    public static string CompressionOf(Stream s)
    {
        Span<byte> m = stackalloc byte[4];
        int n = ReadAtMost(s, m);
        if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return "gzip";
        if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return "zstd";
        if (n >= 4 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X') return "xz";
        if (n >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') return "bzip2";
        if (n >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18) return "lz4";
        if (n >= 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4) return "zip";
        return "";
    }

    static Stream Decompress(Stream raw, string compression, bool leaveOpen) => compression switch
    {
        "gzip" => GzipSizeCheckStream.Wrap(raw, leaveOpen),
        "zstd" => new ZstdSharp.DecompressionStream(raw, leaveOpen: leaveOpen),
        "xz" => new SharpCompress.Compressors.Xz.XZStream(raw),
        "bzip2" => SharpCompress.Compressors.BZip2.BZip2Stream.Create(raw, SharpCompress.Compressors.CompressionMode.Decompress,
            decompressConcatenated: true, leaveOpen, tolerateTruncatedStream: false),
        _ => raw,
    };

    public static TraceFormat Classify(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(TraceDatMagic))
            return TraceFormat.TraceDat;
        if (head.Length == 0)
            return TraceFormat.FtraceText;
        int consoleLines = 0, ftraceLines = 0, lines = 0;
        while (head.Length > 0 && lines < 400)
        {
            int nl = head.IndexOf((byte)'\n');
            var line = nl < 0 ? head : head[..nl];
            head = nl < 0 ? default : head[(nl + 1)..];
            lines++;
            if (LooksLikeFtraceEvent(line)) ftraceLines++;
            else if (LooksLikeConsole(line)) consoleLines++;
        }
        return consoleLines > ftraceLines ? TraceFormat.ConsoleLog : TraceFormat.FtraceText;
    }

    /// <summary>"comm-pid [cpu] …" or a trace-cmd/tracefs header line.</summary>
    static bool LooksLikeFtraceEvent(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("# tracer:"u8) || line.StartsWith("cpus="u8) || line.StartsWith("version = "u8))
            return true;
        if (LooksLikeGraphOrLatencyLine(line))
            return true;
        int bracket = line.IndexOf("] "u8);
        if (bracket < 0) return false;
        int open = line[..bracket].LastIndexOf((byte)'[');
        if (open < 1) return false;
        var cpu = line[(open + 1)..bracket];
        if (cpu.Length == 0 || cpu.Length > 4) return false;
        foreach (byte b in cpu) if (b < '0' || b > '9') return false;
        // a console timestamp "[  12.345678]" has a dot; an ftrace CPU field does not, and is followed by a ts with ':'
        return line[(bracket + 1)..].IndexOf((byte)':') > 0;
    }

    /// <summary>function_graph " 0)   0.198 us    |  func();" (maybe after "abstime |") or latency-format "… 1dNs2. 119964us+: …".</summary>
    static bool LooksLikeGraphOrLatencyLine(ReadOnlySpan<byte> line)
    {
        var t = line.TrimStart((byte)' ');
        int bar = t.IndexOf((byte)'|');
        if (bar > 0 && t[..bar].IndexOfAnyExcept("0123456789. "u8) < 0)
            t = t[(bar + 1)..].TrimStart((byte)' '); // absolute time column
        int paren = t.IndexOf((byte)')');
        if (paren > 0 && paren <= 4 && t[..paren].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            && (t.IndexOf((byte)'|') > paren || t.EndsWith("{"u8) || t.EndsWith(";"u8) || t.EndsWith("}"u8)))
            return true;
        int us = line.IndexOf("us"u8);
        return us > 0 && (uint)(line[us - 1] - '0') <= 9 && us + 3 < line.Length
            && (line[us + 2] == ':' || (line[us + 3] == ':' && "!+#*@$ "u8.IndexOf(line[us + 2]) >= 0));
    }

    /// <summary>"[  12.345678] …", "&lt;4&gt;[ …", syslog "… kernel: …", or the bare lockdep banners.</summary>
    static bool LooksLikeConsole(ReadOnlySpan<byte> line)
    {
        var t = line.TrimStart((byte)' ');
        if (t.Length > 0 && t[0] == '<')
        {
            int close = t.IndexOf((byte)'>');
            if (close > 1 && close < 5) t = t[(close + 1)..];
        }
        if (t.Length > 3 && t[0] == '[')
        {
            int close = t.IndexOf((byte)']');
            return close > 2 && t[1..close].IndexOf((byte)'.') >= 0;
        }
        return line.IndexOf(" kernel: "u8) >= 0 || line.StartsWith("WARNING: "u8) || line.StartsWith("BUG: "u8)
            || line.StartsWith("======"u8);
    }

    static int ReadAtMost(Stream s, Span<byte> buffer)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = s.Read(buffer[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException) { }
        catch (IOException) { }
        catch (ZstdSharp.ZstdException) { } // corrupt or truncated zstd: classify what was decoded; the reader reports it
        return total;
    }
}

/// <summary>
/// GZipStream ends quietly on a truncated file. The gzip trailer's ISIZE (decompressed length mod 2^32) is read up
/// front and compared at the end, so a cut-off archive raises InvalidDataException (readers report it) instead of
/// silently losing its tail. Multi-member files are checked against their last member only, hence "&lt;".
/// </summary>
sealed class GzipSizeCheckStream : Stream
{
    readonly Stream _inner;
    readonly uint _trailerSize;
    long _total;
    bool _checked;

    GzipSizeCheckStream(Stream inner, uint trailerSize)
    {
        _inner = inner;
        _trailerSize = trailerSize;
    }

    public static Stream Wrap(Stream raw, bool leaveOpen)
    {
        if (!raw.CanSeek || raw.Length < 18)
            return new GZipStream(raw, CompressionMode.Decompress, leaveOpen);
        long start = raw.Position;
        raw.Seek(-4, SeekOrigin.End);
        Span<byte> size = stackalloc byte[4];
        raw.ReadExactly(size);
        raw.Position = start;
        return new GzipSizeCheckStream(new GZipStream(raw, CompressionMode.Decompress, leaveOpen),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(size));
    }

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        _total += n;
        if (n == 0 && buffer.Length > 0 && !_checked)
        {
            _checked = true;
            if ((uint)_total != _trailerSize && _total < _trailerSize)
                throw new InvalidDataException($"gzip data ends after {_total} bytes but its trailer says {_trailerSize} (truncated file?)");
        }
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
