using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Output;

/// <summary>Streams a trace's events into events.csv / events.parquet in the given folder, in row groups of 16 Ki rows (the reader's chunks are smaller, cache-sized; larger groups cost memory: 64 Ki rows took 440 MB).</summary>
public sealed class EventsFileSink : IEventSink, IDisposable
{
    readonly string _directory;
    readonly bool _csv, _parquet;
    readonly EventsTable _table = new();
    TableFileWriter? _writer;
    TraceInfo? _info;
    NameTable? _names;

    readonly string _fileName;

    /// <summary>Writes DIRECTORY/FILENAME.csv and .parquet ("events" alone, "part" inside a partition).</summary>
    public EventsFileSink(string directory, bool csv = true, bool parquet = true, string fileName = "events")
    {
        _directory = directory;
        _fileName = fileName;
        _csv = csv;
        _parquet = parquet;
    }

    public void Begin(TraceInfo info, NameTable names)
    {
        _info = info;
        _names = names;
        _writer = new TableFileWriter(_directory, _fileName, _csv, _parquet);
    }

    /// <summary>Rows per Parquet row group: reader chunks are small (cache-sized), row groups should not be.</summary>
    const int RowGroupRows = 16384;

    public void Consume(EventChunk chunk)
    {
        _table.Append(chunk, _names!, _info!.Name);
        if (_table.RowCount >= RowGroupRows)
            Flush();
    }

    public void End()
    {
        if (_table.RowCount > 0 || _writer!.RowsWritten == 0)
            Flush();
        _writer!.Commit();
    }

    void Flush()
    {
        _writer!.Write(_table.Batch);
        _table.Clear();
    }

    public void Dispose() => _writer?.Dispose();
}
