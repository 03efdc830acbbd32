using System.Buffers;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Ingest.Ftrace;

/// <summary>
/// Streaming reader for every ftrace text variant (tracefs trace / trace_pipe, trace-cmd report, latency format,
/// function and function_graph tracers); grammar in docs/formats/ftrace-text.md.
/// Lines are framed in a pooled byte buffer and parsed as UTF-8 spans; nothing is allocated per line.
/// This file: buffer framing and the line loop. Partial files: Prefix (comm-pid [cpu] flags ts:), Header, Body
/// (event name / special lines), Fields (payload to typed fields), Graph (function_graph).
/// </summary>
public sealed partial class FtraceTextReader : IEventReader
{
    const int InitialBufferBytes = 1 << 20;
    /// <summary>Longer lines are not trace output (binary input, a missing newline); they are reported and skipped.</summary>
    public const int MaxLineBytes = 1 << 24;

    readonly Stream _input;
    readonly NameCache _intern;
    byte[] _buffer;
    int _pos;
    int _end;
    /// <summary>Where the newline search stopped last time, so a refill does not rescan a long line.</summary>
    int _scanned;
    bool _eof;
    /// <summary>Stream offset of _buffer[0].</summary>
    long _bufferBase;
    long _linesConsumed;
    long _seq;
    bool _disposed;

    public FtraceTextReader(Stream decompressed, TraceInfo info, NameTable? names = null)
    {
        _input = decompressed;
        Info = info;
        Info.Format = TraceFormat.FtraceText;
        Names = names ?? new NameTable();
        Errors = new IngestErrorLog(info.Name);
        _intern = new NameCache(Names);
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        InitNames();
    }

    public TraceInfo Info { get; }
    public NameTable Names { get; }
    public IngestErrorLog Errors { get; private set; }

    public bool Read(EventChunk chunk)
    {
        chunk.Clear();
        while (TryPeekLine(out int start, out int length, out int next))
        {
            var line = _buffer.AsSpan(start, length);
            if (line.Length > 0 && line[^1] == '\r')
                line = line[..^1];
            long lineNumber = _linesConsumed + 1;
            long offset = _bufferBase + start;
            if (next == _end && _eof && IsCutOffLastLine(line))
            {
                // a write or copy that stopped mid-line: "… kmem_cache_al" would parse as something it is not
                CloseOpenRow(chunk);
                Errors.Add(lineNumber, offset, "last line has no newline: the file may be cut off there (line not read)", line);
            }
            else if (!ProcessLine(chunk, line, lineNumber, offset))
                break; // the line starts a row and the chunk is full: keep it for the next Read
            _pos = next;
            _scanned = next;
            _linesConsumed++;
        }
        Info.TotalLines = _linesConsumed;
        CloseOpenRow(chunk);
        Info.Events = _seq;
        return chunk.Count > 0;
    }

    /// <summary>
    /// The input's last line without its newline (TryPeekLine hands it out at end of input). Blank and '#' lines keep
    /// their usual meaning; anything else is a cut-off line. A file that merely lacks the final newline loses its last
    /// line to an error that says so.
    /// </summary>
    bool IsCutOffLastLine(ReadOnlySpan<byte> line)
    {
        if (_end > 0 && _buffer[_end - 1] == (byte)'\n')
            return false;
        var t = line.TrimStart(" \t"u8);
        return !t.IsEmpty && t[0] != (byte)'#';
    }

    /// <summary>Finds the next line in the buffer, reading more input (and growing the buffer) as needed.</summary>
    bool TryPeekLine(out int start, out int length, out int next)
    {
        while (true)
        {
            int nl = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                start = _pos;
                length = _scanned + nl - _pos;
                next = _scanned + nl + 1;
                return true;
            }
            _scanned = _end;
            if (_eof)
            {
                start = _pos;
                length = _end - _pos;
                next = _end;
                return length > 0;
            }
            if (_end - _pos >= MaxLineBytes)
            {
                SkipOverlongLine();
                continue;
            }
            Refill();
        }
    }

    void Refill()
    {
        if (_pos > 0)
        {
            int keep = _end - _pos;
            Buffer.BlockCopy(_buffer, _pos, _buffer, 0, keep);
            _bufferBase += _pos;
            _scanned -= _pos;
            _end = keep;
            _pos = 0;
        }
        if (_end == _buffer.Length)
        {
            // a line longer than the buffer: grow (bounded by MaxLineBytes)
            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        int n = ReadInput(_buffer.AsSpan(_end));
        if (n == 0)
            _eof = true;
        _end += n;
    }

    int ReadInput(Span<byte> into)
    {
        try
        {
            return _input.Read(into);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ZstdSharp.ZstdException)
        {
            // a truncated or corrupt compressed stream: keep what was decoded, report where it stopped
            Errors.Add(_linesConsumed + 1, _bufferBase + _end, "input stream error: " + e.Message, "");
            return 0;
        }
    }

    /// <summary>Drops an overlong line up to its newline; it counts as one line and one error.</summary>
    void SkipOverlongLine()
    {
        long lineNumber = _linesConsumed + 1;
        long offset = _bufferBase + _pos;
        Errors.Add(lineNumber, offset, "line longer than " + MaxLineBytes + " bytes", _buffer.AsSpan(_pos, 120));
        while (true)
        {
            int nl = _buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                _pos += nl + 1;
                break;
            }
            _bufferBase += _end;
            _pos = _end = 0;
            int n = ReadInput(_buffer);
            if (n == 0)
            {
                _eof = true;
                break;
            }
            _end = n;
        }
        _scanned = _pos;
        _linesConsumed++;
        Info.TotalLines = _linesConsumed;
    }

    /// <summary>
    /// Reads the lines before <paramref name="byteLimit"/> (the file's header, prepended to a segment's bytes) for their
    /// state only: legend, flags layout, clock. Returns false when a line there started a row (it was not a pure header).
    /// </summary>
    internal bool ReadPrologue(long byteLimit)
    {
        var scratch = new EventChunk(1);
        while (_bufferBase + _pos < byteLimit && TryPeekLine(out int start, out int length, out int next))
        {
            var line = _buffer.AsSpan(start, length);
            if (line.Length > 0 && line[^1] == '\r')
                line = line[..^1];
            ProcessLine(scratch, line, _linesConsumed + 1, _bufferBase + start);
            if (scratch.Count > 0)
                return false;
            _pos = next;
            _scanned = next;
            _linesConsumed++;
        }
        return true;
    }

    /// <summary>
    /// After <see cref="ReadPrologue"/>: the next line lies at <paramref name="fileOffset"/> of the file and counting
    /// (lines, seq, errors, Info's counters) starts from zero, as a segment of a chunked parse needs.
    /// </summary>
    internal void StartSegmentAt(long fileOffset)
    {
        _bufferBase += fileOffset - (_bufferBase + _pos);
        _linesConsumed = 0;
        _seq = 0;
        _sawFirstLine = true;
        Errors = new IngestErrorLog(Info.Name);
        Info.ResetCounts();
    }

    /// <summary>Everything carried from line to line that decides how a line parses; caches aside.</summary>
    internal readonly record struct LineFormat(string Html, int LegendColumns, string FlagsLayout, bool ReportHeader, bool TracerHeader, bool SawFirstLine);

    internal LineFormat CurrentLineFormat => new(_html.ToString(), _legendColumns, _flagsLayout is null ? "" : string.Join(',', _flagsLayout),
        _sawReportHeader, _sawTracerHeader, _sawFirstLine);

    /// <summary>Key of the parent_seq field of stack rows (its value is a seq, which a chunked parse rebases).</summary>
    internal int ParentSeqKey => _keyParentSeq;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _input.Dispose();
    }
}
