using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>
/// Writes one table as NAME.csv and NAME.parquet (either may be switched off), batch by batch, into temporary
/// files that are renamed into place only by <see cref="Commit"/>; disposing without commit deletes them, so a
/// failed or interrupted run never leaves a half-written table behind.
/// </summary>
public sealed class TableFileWriter : IDisposable
{
    readonly PendingFile? _csvFile, _parquetFile;
    readonly CsvTableWriter? _csv;
    readonly ParquetTableWriter? _parquet;
    bool _committed;

    public TableFileWriter(string directory, string tableName, bool csv = true, bool parquet = true)
    {
        Directory.CreateDirectory(directory);
        if (csv)
        {
            _csvFile = new PendingFile(Path.Combine(directory, tableName + ".csv"));
            _csv = new CsvTableWriter(_csvFile.Create());
        }
        if (parquet)
        {
            _parquetFile = new PendingFile(Path.Combine(directory, tableName + ".parquet"));
            _parquet = new ParquetTableWriter(_parquetFile.Create());
        }
    }

    public long RowsWritten { get; private set; }

    public void Write(ReportTable batch)
    {
        if (batch.RowCount == 0)
        {
            _csv?.WriteHeaderOnly(batch);
            _parquet?.WriteHeaderOnly(batch);
            return;
        }
        _csv?.Write(batch);
        _parquet?.Write(batch);
        RowsWritten += batch.RowCount;
    }

    public void Commit()
    {
        _csv?.Dispose();
        _parquet?.Dispose();
        _csvFile?.Commit();
        _parquetFile?.Commit();
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        try { _csv?.Dispose(); } catch (IOException) { }
        try { _parquet?.Dispose(); } catch (IOException) { }
        _csvFile?.Dispose();
        _parquetFile?.Dispose();
    }

    /// <summary>Writes a whole in-memory table in one go.</summary>
    public static void WriteTable(string directory, ReportTable table, bool csv = true, bool parquet = true)
    {
        using var w = new TableFileWriter(directory, table.Name, csv, parquet);
        w.Write(table);
        w.Commit();
    }
}
