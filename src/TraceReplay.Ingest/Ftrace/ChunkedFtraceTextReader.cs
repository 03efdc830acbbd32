using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Ingest.Input;

namespace TraceReplay.Ingest.Ftrace;

/// <summary>
/// Parses one large plain ftrace text file on several threads and hands out exactly the rows, errors and facts the
/// sequential <see cref="FtraceTextReader"/> gives (docs/formats/ftrace-text.md, "Chunked parsing").
/// The file is cut into segments at lines that start an ordinary event (never a stack trace, lost-events marker or
/// function_graph line, which refer to the lines before them). Each segment is parsed by its own reader, primed with
/// the file's header so it knows the columns; its chunks are handed out in file order with seq, line numbers, the
/// parent_seq of stack rows and interned names made file-global. A segment's last chunk is held back until the line
/// format its reader ended with is known to equal the one the next segment was primed with; when it does not (a
/// legend or header in mid-file), the rest is read sequentially from that point.
/// </summary>
public sealed class ChunkedFtraceTextReader : IEventReader
{
    public const long DefaultSegmentBytes = 8 << 20;
    /// <summary>Bytes read after a cut point to find the next line that starts an ordinary event.</summary>
    const int ProbeWindowBytes = 64 << 10;
    /// <summary>A header longer than this is not a header: such a file is read sequentially.</summary>
    const int MaxPrologueBytes = 4 << 20;

    readonly SafeFileHandle _file;
    readonly long _length;
    readonly byte[] _prologue;
    /// <summary>Segment i is [_cuts[i], _cuts[i + 1]); the last cut is the file length.</summary>
    readonly long[] _cuts;
    readonly FtraceTextReader.LineFormat _primedFormat;
    readonly TraceInfo _primedInfo;
    readonly Segment[] _segments;
    readonly int _workers;
    readonly SemaphoreSlim _permits;
    readonly CancellationTokenSource _cancel = new();
    readonly ConcurrentBag<EventChunk> _freeChunks = new();
    Task[] _workerTasks = [];
    int _chunkCapacity;
    int _nextSegment;
    int _emitting;
    EventChunk? _held;
    long _seqBase, _lineBase;
    /// <summary>After a mid-file format change: the whole file read sequentially, from the first row not yet handed out.</summary>
    FtraceTextReader? _sequentialRest;
    NameMap? _sequentialNames;
    /// <summary>Start of the segment the sequential rest replaced: its errors from there on are the rest's.</summary>
    long _restFrom;
    bool _restDone;
    bool _disposed;

    ChunkedFtraceTextReader(SafeFileHandle file, long length, byte[] prologue, long[] cuts, FtraceTextReader.LineFormat primedFormat,
        TraceInfo primedInfo, TraceInfo info, int workers)
    {
        _file = file;
        _length = length;
        _prologue = prologue;
        _cuts = cuts;
        _primedFormat = primedFormat;
        _primedInfo = primedInfo;
        Info = info;
        Info.Format = TraceFormat.FtraceText;
        Errors = new IngestErrorLog(info.Name);
        _segments = new Segment[cuts.Length - 1];
        for (int i = 0; i < _segments.Length; i++)
            _segments[i] = new Segment(i);
        _workers = workers;
        // segments parsed or waiting to be handed out (each holds its parsed chunks until its turn): one per worker and
        // one ready, so a worker that finishes finds the next segment's turn near
        _permits = new SemaphoreSlim(workers + 1);
    }

    public TraceInfo Info { get; }
    public NameTable Names { get; } = new();
    public IngestErrorLog Errors { get; }
    /// <summary>Segments the file was cut into.</summary>
    public int SegmentCount => _segments.Length;
    /// <summary>True when a mid-file format change made the reader finish the file sequentially.</summary>
    public bool FellBackToSequential => _sequentialRest != null;

    /// <summary>
    /// A chunked reader for a plain text file of at least two segments that can be cut; otherwise the sequential one.
    /// </summary>
    public static IEventReader Open(string path, TraceInfo info, int workers, long segmentBytes = DefaultSegmentBytes)
    {
        long length = new FileInfo(path).Length;
        if (workers >= 2 && length >= 2 * segmentBytes)
        {
            var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            try
            {
                var reader = TryPlan(file, length, info, workers, segmentBytes);
                if (reader != null)
                    return reader;
            }
            catch
            {
                file.Dispose();
                throw;
            }
            file.Dispose();
        }
        return new FtraceTextReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), info);
    }

    /// <summary>Finds the header's end and the cut points; null when the file cannot be cut (no header end, HTML, no cut found).</summary>
    static ChunkedFtraceTextReader? TryPlan(SafeFileHandle file, long length, TraceInfo info, int workers, long segmentBytes)
    {
        // the header ends where the first row starts
        long headerEnd;
        using (var probe = new FtraceTextReader(new FileRangeStream(file, 0, Math.Min(length, MaxPrologueBytes)), new TraceInfo(info.Name, info.Path)))
        {
            var one = new EventChunk(1);
            if (!probe.Read(one))
                return null;
            headerEnd = one.ByteOffset[0];
            if (probe.CurrentLineFormat.Html != "None")
                return null;
        }
        var prologue = new byte[headerEnd];
        RandomAccess.Read(file, prologue, 0);

        var cuts = new List<long> { 0 };
        FtraceTextReader.LineFormat primedFormat = default;
        TraceInfo? primedInfo = null;
        for (long target = segmentBytes; target <= length - segmentBytes / 2; target += segmentBytes)
        {
            long cut = FindCut(file, length, prologue, target, info, ref primedFormat, ref primedInfo);
            if (cut > cuts[^1] && cut > headerEnd)
                cuts.Add(cut);
        }
        if (cuts.Count < 2 || primedInfo == null)
            return null;
        cuts.Add(length);
        return new ChunkedFtraceTextReader(file, length, prologue, cuts.ToArray(), primedFormat, primedInfo, info, workers);
    }

    /// <summary>The first line at or after <paramref name="target"/> that starts an ordinary event; -1 when none is near.</summary>
    static long FindCut(SafeFileHandle file, long length, byte[] prologue, long target, TraceInfo info,
        ref FtraceTextReader.LineFormat primedFormat, ref TraceInfo? primedInfo)
    {
        // the header, then the window from the line after target-1's newline: what a segment starting there would read
        var window = new byte[prologue.Length + (int)Math.Min(ProbeWindowBytes, length - (target - 1))];
        prologue.CopyTo(window, 0);
        int got = RandomAccess.Read(file, window.AsSpan(prologue.Length), target - 1);
        int newline = window.AsSpan(prologue.Length, got).IndexOf((byte)'\n');
        if (newline < 0)
            return -1;
        long lineStart = target + newline;
        window.AsSpan(prologue.Length + newline + 1, got - newline - 1).CopyTo(window.AsSpan(prologue.Length));
        int windowBytes = got - newline - 1;
        // a line cut by the window's end may classify as something else: only lines starting well inside it count
        long trustedEnd = lineStart + windowBytes - (lineStart + windowBytes == length ? 0 : ProbeWindowBytes / 4);
        var probeInfo = new TraceInfo(info.Name, info.Path);
        using var probe = new FtraceTextReader(new MemoryStream(window, 0, prologue.Length + windowBytes, writable: false), probeInfo);
        if (!probe.ReadPrologue(prologue.Length))
            return -1;
        probe.StartSegmentAt(lineStart);
        if (primedInfo == null)
        {
            primedFormat = probe.CurrentLineFormat;
            primedInfo = Snapshot(probeInfo);
        }
        var one = new EventChunk(1);
        while (probe.Read(one))
        {
            long at = one.ByteOffset[0];
            if (at >= trustedEnd)
                return -1;
            if (one.Kind[0] is EventKind.Tracepoint or EventKind.Function or EventKind.Print or EventKind.Kprobe or EventKind.Kretprobe)
                return at;
        }
        return -1;
    }

    public bool Read(EventChunk chunk)
    {
        chunk.Clear();
        if (_sequentialRest != null)
            return ReadSequentialRest(chunk);
        StartWorkers(chunk.Capacity);
        while (_emitting < _segments.Length)
        {
            var segment = _segments[_emitting];
            if (_held == null && !segment.Chunks.TryTake(out _held, Timeout.Infinite, _cancel.Token))
            {
                // a segment without rows (cannot happen for a cut at an event line, but a failure ends one early)
                if (!FinishSegment(segment))
                    return ReadSequentialRest(chunk);
                ReleaseSegment(segment);
                continue;
            }
            if (segment.Chunks.TryTake(out var next, Timeout.Infinite, _cancel.Token))
            {
                HandOut(segment, chunk);
                _held = next;
                return true;
            }
            // _held is the segment's last chunk: its last row may only be handed out once the next segment's start is right
            if (!FinishSegment(segment))
            {
                _freeChunks.Add(_held);
                _held = null;
                return ReadSequentialRest(chunk);
            }
            HandOut(segment, chunk);
            _held = null;
            ReleaseSegment(segment);
            return true;
        }
        return false;
    }

    void StartWorkers(int capacity)
    {
        if (_chunkCapacity != 0)
            return;
        _chunkCapacity = capacity;
        _workerTasks = new Task[Math.Min(_workers, _segments.Length)];
        for (int i = 0; i < _workerTasks.Length; i++)
            _workerTasks[i] = Task.Factory.StartNew(ParseSegments, TaskCreationOptions.LongRunning);
    }

    void ParseSegments()
    {
        var token = _cancel.Token;
        while (!token.IsCancellationRequested)
        {
            try { _permits.Wait(token); }
            catch (OperationCanceledException) { return; }
            int index = Interlocked.Increment(ref _nextSegment) - 1;
            if (index >= _segments.Length)
                return;
            var segment = _segments[index];
            try
            {
                segment.Reader = OpenSegment(index);
                while (!token.IsCancellationRequested)
                {
                    var chunk = _freeChunks.TryTake(out var free) ? free : new EventChunk(_chunkCapacity);
                    if (!segment.Reader.Read(chunk))
                    {
                        _freeChunks.Add(chunk);
                        break;
                    }
                    segment.Chunks.Add(chunk);
                }
                segment.EndFormat = segment.Reader.CurrentLineFormat;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                segment.Failure = e;
            }
            finally
            {
                segment.Chunks.CompleteAdding();
            }
        }
    }

    FtraceTextReader OpenSegment(int index)
    {
        long start = _cuts[index], end = _cuts[index + 1];
        var info = new TraceInfo(Info.Name, Info.Path);
        if (index == 0)
            return new FtraceTextReader(new FileRangeStream(_file, start, end), info);
        var reader = new FtraceTextReader(new FileRangeStream(_file, start, end, _prologue), info);
        if (!reader.ReadPrologue(_prologue.Length))
            throw new InvalidDataException("the header changed while the file was read");
        reader.StartSegmentAt(start);
        return reader;
    }

    /// <summary>Moves _held into the caller's chunk with file-global seq, lines and names.</summary>
    void HandOut(Segment segment, EventChunk into)
    {
        var chunk = _held!;
        var names = segment.Names ??= new NameMap(segment.Reader!.Names, Names);
        int parentSeqKey = segment.Reader!.ParentSeqKey;
        for (int row = 0; row < chunk.Count; row++)
        {
            chunk.Seq[row] += _seqBase;
            chunk.Line[row] += _lineBase;
            if (chunk.Kind[row] == EventKind.Stack)
            {
                // field keys are still the segment's own here
                for (int f = chunk.FieldStart[row], endField = f + chunk.FieldCount[row]; f < endField; f++)
                    if (chunk.FieldKey[f] == parentSeqKey && chunk.FieldValue[f] >= 0)
                        chunk.FieldValue[f] += _seqBase;
            }
        }
        names.MapNames(chunk);
        if (segment.Index == 0)
            TakeHeaderFacts(segment.Reader.Info);
        segment.HandedOutRows += chunk.Count;
        into.SwapContents(chunk);
        _freeChunks.Add(chunk);
    }

    /// <summary>
    /// Merges a fully parsed segment's counters, facts and errors; false when the line format it ended with differs
    /// from the one the next segment was primed with (its rows from there on cannot be trusted).
    /// </summary>
    bool FinishSegment(Segment segment)
    {
        if (segment.Failure != null)
            throw new IOException($"parsing bytes {_cuts[segment.Index]}..{_cuts[segment.Index + 1]} failed: {segment.Failure.Message}", segment.Failure);
        var reader = segment.Reader!;
        if (segment.Index + 1 < _segments.Length && segment.EndFormat != _primedFormat)
            return false;
        var part = reader.Info;
        if (segment.Index == 0)
            TakeHeaderFacts(part);
        else
            TakeChangedHeaderFacts(part);
        Info.AddCounts(part);
        if (Info.FlagsWidth == 0) Info.FlagsWidth = part.FlagsWidth;
        if (Info.Variant.Length == 0) Info.Variant = part.Variant;
        if (part.CounterClock && !Info.CounterClock)
        {
            Info.CounterClock = true;
            if (Info.Clock.Length == 0) Info.Clock = "counter";
        }
        Errors.Absorb(reader.Errors, _lineBase);
        return true;
    }

    void ReleaseSegment(Segment segment)
    {
        _seqBase += segment.Reader!.Info.Events;
        _lineBase += segment.Reader.Info.TotalLines;
        segment.Reader.Dispose();
        _emitting++;
        _permits.Release();
    }

    /// <summary>Header facts of the first segment (it read the header itself); also set before its first chunk goes out.</summary>
    void TakeHeaderFacts(TraceInfo part)
    {
        Info.Tracer = part.Tracer;
        Info.HeaderCpus = part.HeaderCpus;
        Info.EntriesInBuffer = part.EntriesInBuffer;
        Info.EntriesWritten = part.EntriesWritten;
        Info.Clock = part.Clock;
        Info.CounterClock = part.CounterClock;
        Info.Variant = part.Variant;
        Info.FlagsWidth = part.FlagsWidth;
    }

    /// <summary>A later segment changes a header fact only where a header line inside it did (last one wins, as sequentially).</summary>
    void TakeChangedHeaderFacts(TraceInfo part)
    {
        if (part.Tracer != _primedInfo.Tracer) Info.Tracer = part.Tracer;
        if (part.HeaderCpus != _primedInfo.HeaderCpus) Info.HeaderCpus = part.HeaderCpus;
        if (part.EntriesInBuffer != _primedInfo.EntriesInBuffer) Info.EntriesInBuffer = part.EntriesInBuffer;
        if (part.EntriesWritten != _primedInfo.EntriesWritten) Info.EntriesWritten = part.EntriesWritten;
    }

    static TraceInfo Snapshot(TraceInfo info) => new(info.Name, info.Path)
    {
        Tracer = info.Tracer, HeaderCpus = info.HeaderCpus, EntriesInBuffer = info.EntriesInBuffer, EntriesWritten = info.EntriesWritten,
    };

    /// <summary>
    /// The segments from the one being handed out on are dropped and the file is read sequentially from its start,
    /// skipping the rows already handed out: the sequential reader's state at that row is the true one.
    /// </summary>
    bool ReadSequentialRest(EventChunk chunk)
    {
        if (_sequentialRest == null)
        {
            StopWorkers();
            long handedOut = _seqBase;
            var segment = _segments[_emitting];
            // rows of this segment already handed out
            handedOut += segment.HandedOutRows;
            _sequentialRest = new FtraceTextReader(new FileRangeStream(_file, 0, _length), new TraceInfo(Info.Name, Info.Path));
            _sequentialNames = new NameMap(_sequentialRest.Names, Names);
            var skip = new EventChunk(1);
            for (long i = 0; i < handedOut && _sequentialRest.Read(skip); i++) { }
            _restFrom = _cuts[_emitting];
        }
        if (_sequentialRest.Read(chunk))
        {
            _sequentialNames!.MapNames(chunk);
            return true;
        }
        if (!_restDone)
        {
            _restDone = true;
            var whole = _sequentialRest.Info;
            // the rest re-read the whole file: its counters replace the segments'
            TakeHeaderFacts(whole);
            Info.ResetCounts();
            Info.AddCounts(whole);
            Errors.AbsorbTail(_sequentialRest.Errors, _restFrom);
        }
        return false;
    }

    void StopWorkers()
    {
        _cancel.Cancel();
        try { Task.WaitAll(_workerTasks); }
        catch (AggregateException) { }
        foreach (var segment in _segments)
            segment.Reader?.Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        StopWorkers();
        _sequentialRest?.Dispose();
        _file.Dispose();
        _permits.Dispose();
        _cancel.Dispose();
    }

    sealed class Segment(int index)
    {
        public int Index { get; } = index;
        public BlockingCollection<EventChunk> Chunks { get; } = new();
        public FtraceTextReader? Reader;
        public FtraceTextReader.LineFormat EndFormat;
        public Exception? Failure;
        public NameMap? Names;
        public long HandedOutRows;
    }

    /// <summary>A segment reader's name ids to the file's, interned on first use (in row order, so deterministically).</summary>
    sealed class NameMap(NameTable from, NameTable to)
    {
        int[] _ids = [];

        /// <summary>Every name id of the chunk: comm, event, flags and field keys.</summary>
        public void MapNames(EventChunk chunk)
        {
            for (int row = 0; row < chunk.Count; row++)
            {
                chunk.Comm[row] = Map(chunk.Comm[row]);
                chunk.Event[row] = Map(chunk.Event[row]);
                chunk.Flags[row] = Map(chunk.Flags[row]);
            }
            for (int f = 0; f < chunk.FieldTotal; f++)
                chunk.FieldKey[f] = Map(chunk.FieldKey[f]);
        }

        int Map(int id)
        {
            var ids = _ids;
            if ((uint)id < (uint)ids.Length && ids[id] >= 0)
                return ids[id];
            return MapNew(id);
        }

        int MapNew(int id)
        {
            if (id >= _ids.Length)
            {
                int old = _ids.Length;
                Array.Resize(ref _ids, Math.Max(id + 1, 2 * old + 64));
                _ids.AsSpan(old).Fill(-1);
            }
            return _ids[id] = to.Intern(from.Utf8(id));
        }
    }
}
