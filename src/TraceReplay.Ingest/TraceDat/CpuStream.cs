using TraceReplay.Core.Diagnostics;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>
/// Cursor over one (buffer, CPU) stream of ring-buffer pages (tracedat.md §4.8–4.9). Loads a window of pages at a time
/// (10 pages = one compressed chunk, or 16 pages read directly), so memory stays constant whatever the file size.
/// After <see cref="MoveNext"/> the current record is Data[RecordStart..+RecordLength] with its raw timestamp.
/// </summary>
public sealed class CpuStream
{
    const int DirectPages = 16;
    const int MaxChunkBytes = 64 << 20;

    readonly Stream _file;
    readonly long _fileLength; // FileStream.Length is an fstat per call
    readonly DatEndian _en;
    readonly int _longSize;
    readonly int _pageSize;
    readonly int _headerSize;
    readonly string _compression;
    readonly IngestErrorLog _errors;
    readonly string _where;

    // source position
    long _next;              // next file offset to read (page or chunk header)
    readonly long _end;      // end of the uncompressed block (direct reads)
    uint _chunksLeft;        // compressed: chunks still to read
    readonly bool _compressed;

    byte[] _data = [];
    byte[] _src = [];
    int _dataLength;
    long _windowFileOffset;  // file offset of the window (direct) or of its chunk header (compressed)
    int _pageStart = -1;     // start of the current page within _data
    int _pos, _pageEnd;
    ulong _ts;
    bool _pageMissed;
    long _pageLost;

    public CpuStream(int streamIndex, string bufferName, int cpu, Stream file, DatEndian en, int longSize, int pageSize,
        DatCpuData cpuData, bool compressed, string compression, IngestErrorLog errors)
    {
        StreamIndex = streamIndex;
        BufferName = bufferName;
        Cpu = cpu;
        _file = file;
        _fileLength = file.Length;
        _en = en;
        _longSize = longSize;
        _pageSize = pageSize;
        _headerSize = 8 + longSize;
        _compression = compression;
        _errors = errors;
        _compressed = compressed;
        _where = bufferName.Length == 0 ? $"cpu{cpu}" : $"buffer {bufferName} cpu{cpu}";
        _next = cpuData.Offset;
        _end = compressed ? file.Length : Math.Min(cpuData.Offset + cpuData.Size, file.Length);
        if (!compressed && cpuData.Offset + cpuData.Size > file.Length && cpuData.Size > 0)
            errors.Add(0, cpuData.Offset, $"{_where}: data runs past the end of the file ({cpuData.Size} bytes at {cpuData.Offset}); truncated file");
        if (compressed && cpuData.Size > 0)
        {
            if (cpuData.Offset + 4 > file.Length)
            {
                errors.Add(0, cpuData.Offset, $"{_where}: compressed data offset outside the file");
                _chunksLeft = 0;
            }
            else
            {
                Span<byte> b = stackalloc byte[4];
                file.Position = cpuData.Offset;
                file.ReadExactly(b);
                _chunksLeft = _en.U32(b);
                _next = cpuData.Offset + 4;
            }
        }
        else if (compressed)
            _chunksLeft = 0;
        if (pageSize < _headerSize + 4)
        {
            errors.Add(0, cpuData.Offset, $"{_where}: page size {pageSize} too small");
            _chunksLeft = 0;
            _end = 0;
        }
    }

    public int StreamIndex { get; }
    public string BufferName { get; }
    public int Cpu { get; }

    public byte[] Data => _data;
    public int RecordStart { get; private set; }
    public int RecordLength { get; private set; }
    /// <summary>The current record's timestamp in trace time (set by the reader: converted once, compared many times).</summary>
    public long Ts;
    /// <summary>Raw timestamp of the current record (page time + deltas).</summary>
    public ulong RawTs { get; private set; }
    /// <summary>File offset of the page (direct) or of the chunk holding it (compressed), for error reports.</summary>
    public long RecordFileOffset { get; private set; }
    /// <summary>The current record is the first of a page whose MISSED_EVENTS flag was set.</summary>
    public bool LostBefore { get; private set; }
    /// <summary>Lost-event count stored with the page, -1 when not stored.</summary>
    public long LostCount { get; private set; }

    public long PagesRead { get; private set; }
    public long BadPages { get; private set; }

    /// <summary>Advances to the next data record. False at the end of the stream.</summary>
    public bool MoveNext()
    {
        while (true)
        {
            if (_pageStart >= 0 && NextInPage())
                return true;
            if (!NextPage())
                return false;
        }
    }

    bool NextPage()
    {
        while (true)
        {
            int nextPage = _pageStart < 0 ? 0 : _pageStart + _pageSize;
            if (_pageStart >= 0 && nextPage + _pageSize <= _dataLength)
            {
                if (OpenPage(nextPage))
                    return true;
                continue;
            }
            if (!LoadWindow())
                return false;
            if (OpenPage(0))
                return true;
        }
    }

    long PageFileOffset(int pageStart) => _compressed ? _windowFileOffset : _windowFileOffset + pageStart;

    bool OpenPage(int start)
    {
        _pageStart = start;
        PagesRead++;
        var page = _data.AsSpan(start, _pageSize);
        _ts = _en.U64(page);
        ulong commit = _longSize == 4 ? _en.U32(page[8..]) : _en.U64(page[8..]);
        int size = (int)(commit & ((1UL << 27) - 1));
        _pageMissed = (commit & (1UL << 31)) != 0;
        bool stored = (commit & (1UL << 30)) != 0;
        if (size > _pageSize - _headerSize)
        {
            BadPages++;
            _errors.Add(0, PageFileOffset(start), $"{_where}: page commit size {size} exceeds the page ({_pageSize - _headerSize} data bytes); page skipped");
            _pageEnd = _pos = 0;
            return false;
        }
        _pos = start + _headerSize;
        _pageEnd = _pos + size;
        _pageLost = -1;
        if (_pageMissed && stored && size + _headerSize + _longSize <= _pageSize)
        {
            var cnt = page[(_headerSize + size)..];
            _pageLost = _longSize == 4 ? _en.U32(cnt) : (long)_en.U64(cnt);
        }
        return true;
    }

    /// <summary>Decodes event headers until a data record (kbuffer semantics; every type_len case).</summary>
    bool NextInPage()
    {
        var d = _data;
        while (_pos + 4 <= _pageEnd)
        {
            uint w = _en.U32(d.AsSpan(_pos));
            uint typeLen, delta;
            if (_en.BigEndian) { typeLen = w >> 27; delta = w & 0x7ffffff; }
            else { typeLen = w & 0x1f; delta = w >> 5; }
            switch (typeLen)
            {
                case 29: // padding
                    if (delta == 0) { _pos = _pageEnd; return false; }
                    if (_pos + 8 > _pageEnd) return Corrupt("padding header past commit");
                    {
                        uint len = _en.U32(d.AsSpan(_pos + 4));
                        _ts += delta;
                        long next = (long)_pos + 4 + len;
                        if (next > _pageEnd) { _pos = _pageEnd; return false; }
                        _pos = (int)next;
                    }
                    continue;
                case 30: // time extend
                    if (_pos + 8 > _pageEnd) return Corrupt("time-extend header past commit");
                    _ts += ((ulong)_en.U32(d.AsSpan(_pos + 4)) << 27) + delta;
                    _pos += 8;
                    continue;
                case 31: // absolute timestamp
                    if (_pos + 8 > _pageEnd) return Corrupt("time-stamp header past commit");
                    _ts = (((ulong)_en.U32(d.AsSpan(_pos + 4)) << 27) | delta) | (_ts & 0xF800000000000000UL);
                    _pos += 8;
                    continue;
                case 0:
                    {
                        if (_pos + 8 > _pageEnd) return Corrupt("long event header past commit");
                        uint a = _en.U32(d.AsSpan(_pos + 4));
                        long len = ((long)a - 4 + 3) & ~3L;
                        if (a < 4 || _pos + 8 + len > _pageEnd) return Corrupt($"event length {a} runs past commit");
                        _ts += delta;
                        return Emit(_pos + 8, (int)len);
                    }
                default:
                    {
                        int len = (int)typeLen * 4;
                        if (_pos + 4 + len > _pageEnd) return Corrupt($"event length {len} runs past commit");
                        _ts += delta;
                        return Emit(_pos + 4, len);
                    }
            }
        }
        return false;
    }

    bool Emit(int start, int len)
    {
        RecordStart = start;
        RecordLength = len;
        RawTs = _ts;
        RecordFileOffset = PageFileOffset(_pageStart);
        LostBefore = _pageMissed;
        LostCount = _pageLost;
        _pageMissed = false;
        _pos = start + len;
        return true;
    }

    bool Corrupt(string reason)
    {
        BadPages++;
        _errors.Add(0, PageFileOffset(_pageStart), $"{_where}: {reason} at page byte {_pos - _pageStart}; rest of page skipped");
        _pos = _pageEnd;
        return false;
    }

    /// <summary>Reads the next window: one compressed chunk, or up to 16 pages directly. False at the end.</summary>
    bool LoadWindow()
    {
        _pageStart = -1;
        while (true)
        {
            if (_compressed)
            {
                if (_chunksLeft == 0)
                    return false;
                _chunksLeft--;
                long at = _next;
                if (at + 8 > _fileLength)
                {
                    _errors.Add(0, at, $"{_where}: compressed chunk header past the end of the file; {_chunksLeft + 1} chunk(s) lost");
                    _chunksLeft = 0;
                    return false;
                }
                Span<byte> h = stackalloc byte[8];
                _file.Position = at;
                _file.ReadExactly(h);
                uint csize = _en.U32(h), usize = _en.U32(h[4..]);
                _next = at + 8 + csize;
                if (csize > MaxChunkBytes || usize > MaxChunkBytes || at + 8 + csize > _fileLength)
                {
                    _errors.Add(0, at, $"{_where}: bad compressed chunk (csize {csize}, usize {usize}); rest of this CPU's data skipped");
                    _chunksLeft = 0;
                    return false;
                }
                if (_src.Length < csize) _src = new byte[Math.Max(csize, 65536)];
                _file.ReadExactly(_src.AsSpan(0, (int)csize));
                int pages = (int)(usize / (uint)_pageSize);
                if (usize % (uint)_pageSize != 0)
                    _errors.Add(0, at, $"{_where}: chunk size {usize} not a multiple of the page size; trailing bytes ignored");
                if (_data.Length < usize) _data = new byte[Math.Max(usize, 65536)];
                try
                {
                    TraceDatContainer.DecompressInto(_compression, _src.AsSpan(0, (int)csize), _data.AsSpan(0, (int)usize), at);
                }
                catch (TraceDatFormatException e)
                {
                    BadPages += Math.Max(pages, 1);
                    _errors.Add(0, at, $"{_where}: {e.Message}; chunk of {pages} page(s) skipped");
                    continue;
                }
                _windowFileOffset = at;
                _dataLength = pages * _pageSize;
                if (_dataLength == 0)
                    continue;
                return true;
            }
            long left = _end - _next;
            if (left < _pageSize)
            {
                if (left > 0)
                    _errors.Add(0, _next, $"{_where}: {left} trailing bytes, less than a page; ignored");
                _next = _end;
                return false;
            }
            int n = (int)Math.Min(left / _pageSize, DirectPages) * _pageSize;
            if (_data.Length < n) _data = new byte[n];
            _file.Position = _next;
            _file.ReadExactly(_data.AsSpan(0, n));
            _windowFileOffset = _next;
            _next += n;
            _dataLength = n;
            return true;
        }
    }
}
