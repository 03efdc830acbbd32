using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Output;

/// <summary>
/// Writes the events table as Parquet straight from the reader's <see cref="EventChunk"/> columns.
/// Why not Parquet.Net: it needs one string per row and cell (comm, event, flags, a decoded payload …) and then spends
/// ~2 µs per event on statistics and dictionaries over those strings. Here interned ids become dictionary indices,
/// payload bytes are copied as they are and integers are delta-encoded: ~0.3 µs of CPU per event, half of it zstd,
/// no allocation per event, less than the text reader's own cost, so ingest runs at the reader's speed.
/// The file declares exactly the schema Parquet.Net wrote before (every column OPTIONAL, strings UTF8/STRING,
/// INT_32/INT_64 integers, plain booleans) and the same key/value metadata, so readers see the same table.
/// Layout and encodings: docs/formats/parquet-writer.md. Deterministic: the same events give the same bytes.
/// </summary>
public sealed class EventsParquetWriter : IDisposable
{
    /// <summary>Rows per row group (measured: see docs/formats/parquet-writer.md).</summary>
    public const int DefaultRowGroupRows = 131072;

    static readonly byte[] s_magic = "PAR1"u8.ToArray();

    readonly Stream _stream;
    readonly int _rowGroupRows;
    readonly ZstdSharp.Compressor _zstd;
    readonly List<RowGroupMeta> _rowGroups = new();
    readonly ByteBuffer _page = new(1 << 16), _compressed = new(1 << 16), _header = new(256);
    // The payload page (most of a row group's bytes) is compressed on the thread pool while the next group's rows are
    // appended, and written before that group; its own buffers and compressor, as the writer's are in use meanwhile.
    readonly ByteBuffer _payloadPage = new(1 << 16), _payloadCompressed = new(1 << 16);
    readonly ZstdSharp.Compressor _payloadZstd;
    Task<int>? _payloadCompression;
    PendingPayload? _pendingPayload;
    readonly ThriftCompactWriter _headerThrift;
    long _position, _totalRows;
    int _rows;
    NameTable _names = new();
    bool _finished;

    readonly DictionaryColumn _trace, _comm, _event, _kind, _flags, _needResched;
    readonly IntegerColumn<long> _seq, _line, _byteOffset, _ts;
    readonly IntegerColumn<int> _cpu, _pid, _tgid, _preemptDepth, _migrateDisable;
    readonly BoolColumn _irqsOff, _bhOff, _hardirq, _softirq, _nmi;
    readonly PayloadColumn _payload;
    readonly Column[] _columns;
    byte[] _traceName = [];

    /// <summary>
    /// Payload bytes after which a row group ends early, so traces with long payloads (stack dumps) keep the buffers
    /// (payload, page, compressed page: ~3x this) bounded; ordinary text has ~100 bytes per event (13 MB per group).
    /// </summary>
    public const int DefaultRowGroupPayloadBytes = 32 << 20;

    readonly long _rowGroupPayloadBytes;
    long _groupPayloadBytes;

    /// <param name="zstdLevel">ZSTD level of every page (1: measured fastest for its size; see the format note).</param>
    public EventsParquetWriter(Stream stream, int rowGroupRows = DefaultRowGroupRows, int zstdLevel = 1, int rowGroupPayloadBytes = DefaultRowGroupPayloadBytes)
    {
        _stream = stream;
        _rowGroupRows = rowGroupRows;
        _rowGroupPayloadBytes = rowGroupPayloadBytes;
        _zstd = new ZstdSharp.Compressor(zstdLevel);
        _payloadZstd = new ZstdSharp.Compressor(zstdLevel);
        _headerThrift = new ThriftCompactWriter(_header);
        int n = rowGroupRows;
        _columns =
        [
            _trace = new DictionaryColumn("trace", n, _ => _traceName),
            _seq = new IntegerColumn<long>("seq", n),
            _line = new IntegerColumn<long>("line", n),
            _byteOffset = new IntegerColumn<long>("byte_offset", n),
            _ts = new IntegerColumn<long>("ts_ns", n),
            _cpu = new IntegerColumn<int>("cpu", n),
            _pid = new IntegerColumn<int>("pid", n),
            _tgid = new IntegerColumn<int>("tgid", n),
            _comm = new DictionaryColumn("comm", n, id => _names.Utf8(id)),
            _event = new DictionaryColumn("event", n, id => _names.Utf8(id)),
            _kind = new DictionaryColumn("kind", n, kind => EventsTable.KindNamesUtf8[kind]),
            _flags = new DictionaryColumn("flags", n, id => _names.Utf8(id)),
            _irqsOff = new BoolColumn("irqs_off", n),
            _bhOff = new BoolColumn("bh_off", n),
            _needResched = new DictionaryColumn("need_resched", n, letter => EventsTable.ReschedNamesUtf8[letter]),
            _hardirq = new BoolColumn("hardirq", n),
            _softirq = new BoolColumn("softirq", n),
            _nmi = new BoolColumn("nmi", n),
            _preemptDepth = new IntegerColumn<int>("preempt_depth", n),
            _migrateDisable = new IntegerColumn<int>("migrate_disable", n),
            _payload = new PayloadColumn("payload", n),
        ];
        _stream.Write(s_magic);
        _position = s_magic.Length;
    }

    public long RowsWritten => _totalRows + _rows;

    /// <summary>Names the trace (the trace column) and the table its ids index; call before the first chunk.</summary>
    public void Begin(string traceName, NameTable names)
    {
        _traceName = Encoding.UTF8.GetBytes(traceName);
        _names = names;
    }

    /// <summary>
    /// Adds a chunk's rows; full row groups are written as they fill. The chunk may be reused afterwards. Where a group
    /// ends depends only on the rows (count and payload bytes), never on how they were chunked.
    /// </summary>
    public void Append(EventChunk chunk)
    {
        // one vectorised pass over the chunk's text instead of a UTF-8 check per payload (real traces are ASCII)
        bool asciiText = System.Text.Ascii.IsValid(chunk.Text.AsSpan(0, chunk.TextLength));
        int done = 0;
        while (done < chunk.Count)
        {
            int take = Math.Min(chunk.Count - done, _rowGroupRows - _rows);
            bool payloadFull = false;
            for (int i = done; i < done + take; i++)
            {
                _groupPayloadBytes += 4 + chunk.PayloadLength[i]; // as read (not as re-encoded): the same whatever the chunking
                if (_groupPayloadBytes >= _rowGroupPayloadBytes)
                {
                    take = i - done + 1;
                    payloadFull = true;
                    break;
                }
            }
            AppendRows(chunk, done, take, asciiText);
            done += take;
            if (_rows == _rowGroupRows || payloadFull)
                WriteRowGroup();
        }
    }

    void AppendRows(EventChunk chunk, int start, int count, bool asciiText)
    {
        int end = start + count;
        _trace.AppendRepeated(0, count);
        _seq.AppendAll(chunk.Seq.AsSpan(start, count));
        for (int i = start; i < end; i++) _line.Append(chunk.Line[i], chunk.Line[i] > 0);
        _byteOffset.AppendAll(chunk.ByteOffset.AsSpan(start, count));
        _ts.AppendAll(chunk.TsNs.AsSpan(start, count));
        for (int i = start; i < end; i++) _cpu.Append(chunk.Cpu[i], chunk.Cpu[i] >= 0);
        for (int i = start; i < end; i++) _pid.Append(chunk.Pid[i], chunk.Pid[i] >= 0);
        for (int i = start; i < end; i++) _tgid.Append(chunk.Tgid[i], chunk.Tgid[i] >= 0);
        for (int i = start; i < end; i++) _comm.Append(chunk.Comm[i]);
        for (int i = start; i < end; i++) _event.Append(chunk.Event[i]);
        for (int i = start; i < end; i++) _kind.Append((int)chunk.Kind[i]);
        for (int i = start; i < end; i++)
        {
            if (chunk.Flags[i] == 0) _flags.AppendNull();
            else _flags.Append(chunk.Flags[i]);
        }
        for (int i = start; i < end; i++)
        {
            var ctx = chunk.Context[i];
            bool known = (ctx & ContextBits.Known) != 0;
            _irqsOff.Append((ctx & ContextBits.IrqsOff) != 0, known && (ctx & ContextBits.IrqsNotSupported) == 0);
            _bhOff.Append((ctx & ContextBits.BhOff) != 0, known);
            // Known context but a letter outside the ones we name is null too, as in the CSV.
            if (known && EventsTable.ReschedNamesUtf8[chunk.NeedResched[i]] != null) _needResched.Append(chunk.NeedResched[i]);
            else _needResched.AppendNull();
            _hardirq.Append((ctx & ContextBits.HardIrq) != 0, known);
            _softirq.Append((ctx & ContextBits.SoftIrq) != 0, known);
            _nmi.Append((ctx & ContextBits.Nmi) != 0, known);
        }
        for (int i = start; i < end; i++) _preemptDepth.Append(chunk.PreemptDepth[i], chunk.PreemptDepth[i] >= 0);
        for (int i = start; i < end; i++) _migrateDisable.Append(chunk.MigrateDisable[i], chunk.MigrateDisable[i] >= 0);
        if (asciiText)
            for (int i = start; i < end; i++) _payload.AppendValid(chunk.Payload(i));
        else
            for (int i = start; i < end; i++) _payload.Append(chunk.Payload(i));
        _rows += count;
    }

    /// <summary>Writes the last row group and the footer. A table without rows is a schema and no row group.</summary>
    public void Finish()
    {
        if (_finished) return;
        if (_rows > 0) WriteRowGroup();
        WritePendingPayload();
        WriteFooter();
        _stream.Flush();
        _finished = true;
    }

    void WriteRowGroup()
    {
        WritePendingPayload();
        var group = new RowGroupMeta(_position, _rows, new ColumnChunkMeta[_columns.Length]);
        int payloadColumn = _columns.Length - 1; // the last column: nothing of this group follows it in the file
        for (int c = 0; c < payloadColumn; c++)
        {
            var column = _columns[c];
            long chunkStart = _position;
            long uncompressed = 0, dictionaryOffset = -1;
            if (column is DictionaryColumn dictionary)
            {
                _page.Clear();
                dictionary.EncodeDictionary(_page);
                dictionaryOffset = _position;
                uncompressed += WritePage(PageKind.Dictionary, dictionary.DictionaryCount);
            }
            long dataOffset = _position;
            _page.Clear();
            column.EncodePage(_page);
            uncompressed += WritePage(PageKind.Data, _rows, column.Encoding);
            column.MinMax(out byte[]? min, out byte[]? max);
            group.Columns[c] = new ColumnChunkMeta(dataOffset, dictionaryOffset, uncompressed, _position - chunkStart, _rows - column.NonNullCount, min, max);
            column.Clear();
        }
        _payloadPage.Clear();
        _payload.EncodePage(_payloadPage);
        _payload.MinMax(out byte[]? payloadMin, out byte[]? payloadMax);
        _pendingPayload = new PendingPayload(group, payloadColumn, _rows, _rows - _payload.NonNullCount, payloadMin, payloadMax);
        _payload.Clear();
        _payloadCompression = Task.Run(() =>
        {
            var body = _payloadPage.Written;
            _payloadCompressed.Clear();
            return _payloadZstd.Wrap(body, _payloadCompressed.GetSpan(ZstdSharp.Compressor.GetCompressBound(body.Length)));
        });
        _totalRows += _rows;
        _rows = 0;
        _groupPayloadBytes = 0;
    }

    /// <summary>Writes the last row group's payload page once compressed, which completes that group.</summary>
    void WritePendingPayload()
    {
        if (_pendingPayload is not { } pending)
            return;
        int compressedLength = _payloadCompression!.GetAwaiter().GetResult();
        _payloadCompression = null;
        _pendingPayload = null;
        long dataOffset = _position;
        long uncompressed = WriteCompressedPage(PageKind.Data, pending.Rows, _payload.Encoding, _payloadPage.Length,
            _payloadCompressed.GetSpan(0)[..compressedLength]);
        var group = pending.Group;
        group.Columns[pending.Column] = new ColumnChunkMeta(dataOffset, -1, uncompressed, _position - dataOffset, pending.NullCount, pending.Min, pending.Max);
        group.CompressedSize = _position - group.FileOffset;
        _rowGroups.Add(group);
    }

    sealed record PendingPayload(RowGroupMeta Group, int Column, int Rows, long NullCount, byte[]? Min, byte[]? Max);

    enum PageKind { Data = 0, Dictionary = 2 }

    /// <summary>Compresses _page and writes it with its header; returns header + uncompressed body size.</summary>
    long WritePage(PageKind kind, int valueCount, ParquetEncodingKind encoding = ParquetEncodingKind.Plain)
    {
        var body = _page.Written;
        _compressed.Clear();
        int compressedLength = _zstd.Wrap(body, _compressed.GetSpan(ZstdSharp.Compressor.GetCompressBound(body.Length)));
        return WriteCompressedPage(kind, valueCount, encoding, body.Length, _compressed.GetSpan(0)[..compressedLength]);
    }

    long WriteCompressedPage(PageKind kind, int valueCount, ParquetEncodingKind encoding, int bodyLength, ReadOnlySpan<byte> compressed)
    {
        int compressedLength = compressed.Length;
        _header.Clear();
        var t = _headerThrift;
        t.BeginStruct();
        t.I32(1, (int)kind);
        t.I32(2, bodyLength);
        t.I32(3, compressedLength);
        if (kind == PageKind.Data)
        {
            t.Struct(5);
            t.I32(1, valueCount);
            t.I32(2, (int)encoding);
            t.I32(3, (int)ParquetEncodingKind.Rle); // definition levels
            t.I32(4, (int)ParquetEncodingKind.Rle); // repetition levels (none: flat schema)
            t.EndStruct();
        }
        else
        {
            t.Struct(7);
            t.I32(1, valueCount);
            t.I32(2, (int)ParquetEncodingKind.Plain);
            t.EndStruct();
        }
        t.EndStruct();
        _stream.Write(_header.Written);
        _stream.Write(compressed);
        _position += _header.Length + compressedLength;
        return _header.Length + bodyLength;
    }

    void WriteFooter()
    {
        var footer = new ByteBuffer(1 << 14);
        var t = new ThriftCompactWriter(footer);
        t.BeginStruct();
        t.I32(1, 1); // format version
        t.ListOfStructs(2, _columns.Length + 1);
        t.BeginStruct(); // root
        t.String(4, "root");
        t.I32(5, _columns.Length);
        t.EndStruct();
        foreach (var column in _columns)
        {
            t.BeginStruct();
            t.I32(1, (int)column.PhysicalType);
            t.I32(3, 1); // OPTIONAL
            t.String(4, column.Name);
            switch (column.PhysicalType)
            {
                case PhysicalType.ByteArray:
                    t.I32(6, 0); // converted type UTF8
                    t.Struct(10); t.Struct(1); t.EndStruct(); t.EndStruct(); // logical type STRING
                    break;
                case PhysicalType.Int32 or PhysicalType.Int64:
                    bool is64 = column.PhysicalType == PhysicalType.Int64;
                    t.I32(6, is64 ? 18 : 17); // converted type INT_64 / INT_32
                    t.Struct(10); t.Struct(10); t.I8(1, (sbyte)(is64 ? 64 : 32)); t.Bool(2, true); t.EndStruct(); t.EndStruct();
                    break;
            }
            t.EndStruct();
        }
        t.I64(3, _totalRows);
        t.ListOfStructs(4, _rowGroups.Count);
        for (int g = 0; g < _rowGroups.Count; g++)
        {
            var group = _rowGroups[g];
            t.BeginStruct();
            t.ListOfStructs(1, _columns.Length);
            long uncompressedTotal = 0;
            for (int c = 0; c < _columns.Length; c++)
            {
                var column = _columns[c];
                var chunk = group.Columns[c];
                uncompressedTotal += chunk.UncompressedSize;
                t.BeginStruct();
                t.I64(2, chunk.DictionaryOffset >= 0 ? chunk.DictionaryOffset : chunk.DataOffset);
                t.Struct(3);
                t.I32(1, (int)column.PhysicalType);
                bool dictionary = chunk.DictionaryOffset >= 0;
                // Every encoding the chunk uses: RLE for definition levels, the values' own, PLAIN for a dictionary.
                var valueEncoding = column.Encoding;
                bool plain = dictionary || valueEncoding == ParquetEncodingKind.Plain;
                t.ListOfI32(2, valueEncoding == ParquetEncodingKind.Plain ? 2 : plain ? 3 : 2);
                if (plain) t.ElementI32((int)ParquetEncodingKind.Plain);
                t.ElementI32((int)ParquetEncodingKind.Rle);
                if (valueEncoding != ParquetEncodingKind.Plain) t.ElementI32((int)valueEncoding);
                t.ListOfBinary(3, 1);
                t.ElementString(column.Name);
                t.I32(4, 6); // ZSTD
                t.I64(5, group.Rows);
                t.I64(6, chunk.UncompressedSize);
                t.I64(7, chunk.CompressedSize);
                t.I64(9, chunk.DataOffset);
                if (dictionary) t.I64(11, chunk.DictionaryOffset);
                t.Struct(12); // statistics: null count, min/max (not for payload and booleans), as readers skip row groups by them
                t.I64(3, chunk.NullCount);
                if (chunk.Max != null) t.Binary(5, chunk.Max);
                if (chunk.Min != null) t.Binary(6, chunk.Min);
                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
            }
            t.I64(2, uncompressedTotal);
            t.I64(3, group.Rows);
            t.I64(5, group.FileOffset);
            t.I64(6, group.CompressedSize);
            t.EndStruct();
        }
        t.ListOfStructs(5, 2);
        foreach (var (key, value) in new[] { ("producer", "TraceReplay"), ("table", "events") })
        {
            t.BeginStruct();
            t.String(1, key);
            t.String(2, value);
            t.EndStruct();
        }
        t.String(6, "TraceReplay events writer");
        t.EndStruct();
        _stream.Write(footer.Written);
        Span<byte> tail = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        s_magic.CopyTo(tail[4..]);
        _stream.Write(tail);
    }

    public void Dispose()
    {
        // an unfinished file (the run failed) is deleted by its owner; only the compression in flight must end first
        try { _payloadCompression?.Wait(); }
        catch (AggregateException) { }
        _zstd.Dispose();
        _payloadZstd.Dispose();
        _stream.Dispose();
    }

    sealed record ColumnChunkMeta(long DataOffset, long DictionaryOffset, long UncompressedSize, long CompressedSize, long NullCount, byte[]? Min, byte[]? Max);

    sealed class RowGroupMeta(long fileOffset, int rows, ColumnChunkMeta[] columns)
    {
        public long FileOffset { get; } = fileOffset;
        public int Rows { get; } = rows;
        public ColumnChunkMeta[] Columns { get; } = columns;
        public long CompressedSize { get; set; }
    }

    enum PhysicalType { Boolean = 0, Int32 = 1, Int64 = 2, ByteArray = 6 }

    enum ParquetEncodingKind { Plain = 0, Rle = 3, DeltaBinaryPacked = 5, RleDictionary = 8 }

    /// <summary>A column of the row group being built: definition levels (1 = value present) and its values.</summary>
    abstract class Column(string name, PhysicalType type, int capacity)
    {
        protected readonly byte[] Defined = new byte[capacity];
        protected int Rows;

        public string Name { get; } = name;
        public PhysicalType PhysicalType { get; } = type;
        public int NonNullCount { get; protected set; }
        public virtual ParquetEncodingKind Encoding => ParquetEncodingKind.Plain;

        /// <summary>The data page body: 4-byte length + RLE definition levels, then the values.</summary>
        public void EncodePage(ByteBuffer page)
        {
            int lengthAt = page.Length;
            page.WriteInt32(0);
            ParquetBits.EncodeHybrid<byte>(Defined.AsSpan(0, Rows), 1, page);
            page.PatchInt32(lengthAt, page.Length - lengthAt - 4);
            EncodeValues(page);
        }

        protected abstract void EncodeValues(ByteBuffer page);

        /// <summary>Smallest and largest value in PLAIN form (null when not kept or all values are null).</summary>
        public virtual void MinMax(out byte[]? min, out byte[]? max) => min = max = null;

        public virtual void Clear()
        {
            Rows = 0;
            NonNullCount = 0;
        }
    }

    /// <summary>INT64 or INT32 values, DELTA_BINARY_PACKED (T is long or int).</summary>
    sealed class IntegerColumn<T>(string name, int capacity) : Column(name, typeof(T) == typeof(long) ? PhysicalType.Int64 : PhysicalType.Int32, capacity)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        readonly T[] _values = new T[capacity];

        public void AppendAll(ReadOnlySpan<T> values)
        {
            values.CopyTo(_values.AsSpan(NonNullCount));
            Defined.AsSpan(Rows, values.Length).Fill(1);
            Rows += values.Length;
            NonNullCount += values.Length;
        }

        public void Append(T value, bool present)
        {
            _values[NonNullCount] = value;
            NonNullCount += present ? 1 : 0;
            Defined[Rows++] = present ? (byte)1 : (byte)0;
        }

        public override ParquetEncodingKind Encoding => ParquetEncodingKind.DeltaBinaryPacked;

        protected override void EncodeValues(ByteBuffer page) => ParquetBits.EncodeDeltaBinaryPacked<T>(_values.AsSpan(0, NonNullCount), page);

        public override void MinMax(out byte[]? min, out byte[]? max) => IntegerMinMax<T>(_values.AsSpan(0, NonNullCount), out min, out max);
    }

    sealed class BoolColumn(string name, int capacity) : Column(name, PhysicalType.Boolean, capacity)
    {
        readonly byte[] _values = new byte[capacity];

        public void Append(bool value, bool present)
        {
            _values[NonNullCount] = value ? (byte)1 : (byte)0;
            NonNullCount += present ? 1 : 0;
            Defined[Rows++] = present ? (byte)1 : (byte)0;
        }

        protected override void EncodeValues(ByteBuffer page) => ParquetBits.PackBooleans(_values.AsSpan(0, NonNullCount), page);
    }

    static void IntegerMinMax<T>(ReadOnlySpan<T> values, out byte[]? min, out byte[]? max) where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        min = max = null;
        if (values.IsEmpty) return;
        T low = values[0], high = values[0];
        foreach (var v in values)
        {
            if (v < low) low = v;
            if (v > high) high = v;
        }
        min = MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in low)).ToArray();
        max = MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in high)).ToArray();
    }

    /// <summary>UTF-8 text of a dictionary key (a NameTable id, an EventKind, a need-resched letter).</summary>
    delegate ReadOnlySpan<byte> KeyText(int key);

    /// <summary>
    /// Strings from a small key space: each row holds a dictionary index; the dictionary (per row group) holds each
    /// key's text once, in order of first use.
    /// </summary>
    sealed class DictionaryColumn(string name, int capacity, KeyText textOf) : Column(name, PhysicalType.ByteArray, capacity)
    {
        readonly int[] _indices = new int[capacity];
        readonly List<int> _keys = new();
        int[] _indexOfKey = [];

        public int DictionaryCount => _keys.Count;
        public override ParquetEncodingKind Encoding => ParquetEncodingKind.RleDictionary;

        public void Append(int key)
        {
            int index = (uint)key < (uint)_indexOfKey.Length ? _indexOfKey[key] : -1;
            if (index < 0) index = Add(key);
            _indices[NonNullCount++] = index;
            Defined[Rows++] = 1;
        }

        public void AppendNull() => Defined[Rows++] = 0;

        public void AppendRepeated(int key, int count)
        {
            if (count == 0) return;
            Append(key);
            _indices.AsSpan(NonNullCount, count - 1).Fill(_indices[NonNullCount - 1]);
            Defined.AsSpan(Rows, count - 1).Fill(1);
            NonNullCount += count - 1;
            Rows += count - 1;
        }

        int Add(int key)
        {
            if (key >= _indexOfKey.Length)
            {
                int old = _indexOfKey.Length;
                Array.Resize(ref _indexOfKey, Math.Max(key + 1, old * 2));
                _indexOfKey.AsSpan(old).Fill(-1);
            }
            _indexOfKey[key] = _keys.Count;
            _keys.Add(key);
            return _keys.Count - 1;
        }

        public void EncodeDictionary(ByteBuffer page)
        {
            foreach (int key in _keys)
                AppendByteArray(page, textOf(key));
        }

        /// <summary>Byte-wise (UTF-8 code point order, as Parquet compares strings) over the dictionary's entries.</summary>
        public override void MinMax(out byte[]? min, out byte[]? max)
        {
            min = max = null;
            foreach (int key in _keys)
            {
                var text = ValidUtf8(textOf(key));
                if (min is null || text.SequenceCompareTo(min) < 0) min = text.ToArray();
                if (max is null || text.SequenceCompareTo(max) > 0) max = text.ToArray();
            }
        }

        protected override void EncodeValues(ByteBuffer page)
        {
            int width = ParquetBits.BitWidth(Math.Max(0, _keys.Count - 1));
            page.WriteByte((byte)width);
            ParquetBits.EncodeHybrid<int>(_indices.AsSpan(0, NonNullCount), width, page);
        }

        public override void Clear()
        {
            base.Clear();
            foreach (int key in _keys) _indexOfKey[key] = -1;
            _keys.Clear();
        }
    }

    /// <summary>PLAIN byte arrays (4-byte length, then the bytes), built as rows arrive.</summary>
    sealed class PayloadColumn(string name, int capacity) : Column(name, PhysicalType.ByteArray, capacity)
    {
        readonly ByteBuffer _values = new(capacity * 64);


        public void Append(ReadOnlySpan<byte> utf8) => AppendValid(ValidUtf8(utf8));

        /// <summary>Text already known to be valid UTF-8.</summary>
        public void AppendValid(ReadOnlySpan<byte> utf8)
        {
            AppendPlain(_values, utf8);
            NonNullCount++;
            Defined[Rows++] = 1;
        }

        protected override void EncodeValues(ByteBuffer page) => page.Write(_values.Written);

        public override void Clear()
        {
            base.Clear();
            _values.Clear();
        }
    }

    /// <summary>The text itself, or for invalid UTF-8 the bytes of the string the CSV holds (U+FFFD per bad sequence).</summary>
    static ReadOnlySpan<byte> ValidUtf8(ReadOnlySpan<byte> utf8) =>
        Utf8.IsValid(utf8) ? utf8 : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8));

    /// <summary>
    /// Appends a PLAIN byte array. Text that is not valid UTF-8 is written as the string the CSV holds for it (invalid
    /// sequences replaced by U+FFFD), so both files keep saying the same thing.
    /// </summary>
    static void AppendByteArray(ByteBuffer output, ReadOnlySpan<byte> utf8) => AppendPlain(output, ValidUtf8(utf8));

    static void AppendPlain(ByteBuffer output, ReadOnlySpan<byte> utf8)
    {
        var span = output.GetSpan(4 + utf8.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span, utf8.Length);
        utf8.CopyTo(span[4..]);
        output.Advance(4 + utf8.Length);
    }
}
