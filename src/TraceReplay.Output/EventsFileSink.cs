using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Output;

/// <summary>
/// Streams a trace's events into events.csv / events.parquet in the given folder. The CSV goes through the string
/// batch of <see cref="EventsTable"/> (16 Ki rows at a time); the Parquet file is encoded straight from the reader's
/// chunks by <see cref="EventsParquetWriter"/>. Both are written to temporaries renamed into place by <see cref="End"/>.
/// </summary>
public sealed class EventsFileSink : IEventSink, IDisposable
{
    readonly string _directory;
    readonly bool _csv, _parquet;
    readonly EventsTable _table = new();
    readonly string _fileName;
    TableFileWriter? _csvWriter;
    EventsParquetWriter? _parquetWriter;
    PendingFile? _parquetFile;
    TraceInfo? _info;
    NameTable? _names;

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
        Directory.CreateDirectory(_directory);
        if (_csv)
            _csvWriter = new TableFileWriter(_directory, _fileName, csv: true, parquet: false);
        if (_parquet)
        {
            _parquetFile = new PendingFile(Path.Combine(_directory, _fileName + ".parquet"));
            _parquetWriter = new EventsParquetWriter(_parquetFile.Create());
            _parquetWriter.Begin(info.Name, names);
        }
    }

    /// <summary>Rows per CSV batch: reader chunks are small (cache-sized), batches should not be.</summary>
    const int CsvBatchRows = 16384;

    public void Consume(EventChunk chunk)
    {
        _parquetWriter?.Append(chunk);
        if (_csvWriter is null) return;
        _table.Append(chunk, _names!, _info!.Name);
        if (_table.RowCount >= CsvBatchRows)
            FlushCsv();
    }

    public void End()
    {
        if (_csvWriter != null)
        {
            if (_table.RowCount > 0 || _csvWriter.RowsWritten == 0)
                FlushCsv();
            _csvWriter.Commit();
        }
        if (_parquetWriter != null)
        {
            _parquetWriter.Finish();
            _parquetWriter.Dispose();
            _parquetWriter = null;
            _parquetFile!.Commit();
        }
    }

    void FlushCsv()
    {
        _csvWriter!.Write(_table.Batch);
        _table.Clear();
    }

    public void Dispose()
    {
        _csvWriter?.Dispose();
        try { _parquetWriter?.Dispose(); } catch (IOException) { }
        _parquetFile?.Dispose();
    }
}
