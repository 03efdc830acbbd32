using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Output;

/// <summary>Streams a trace's events into events.csv / events.parquet in the given folder, one row group per chunk.</summary>
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

    public void Consume(EventChunk chunk) => _writer!.Write(_table.Fill(chunk, _names!, _info!.Name));

    public void End()
    {
        if (_writer!.RowsWritten == 0)
            _writer.Write(_table.Fill(new EventChunk(1), _names!, _info!.Name));
        _writer.Commit();
    }

    public void Dispose() => _writer?.Dispose();
}
