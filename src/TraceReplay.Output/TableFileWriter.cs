using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>
/// Writes one table as NAME.csv and NAME.parquet (either may be switched off), batch by batch, into temporary
/// files that are renamed into place only by <see cref="Commit"/>; disposing without commit deletes them, so a
/// failed or interrupted run never leaves a half-written table behind.
/// </summary>
public sealed class TableFileWriter : IDisposable
{
    readonly string _csvPath, _parquetPath;
    readonly string _csvTemp, _parquetTemp;
    CsvTableWriter? _csv;
    ParquetTableWriter? _parquet;
    bool _committed;

    public TableFileWriter(string directory, string tableName, bool csv = true, bool parquet = true)
    {
        Directory.CreateDirectory(directory);
        _csvPath = Path.Combine(directory, tableName + ".csv");
        _parquetPath = Path.Combine(directory, tableName + ".parquet");
        string suffix = $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        _csvTemp = _csvPath + suffix;
        _parquetTemp = _parquetPath + suffix;
        if (csv) _csv = new CsvTableWriter(Create(_csvTemp));
        if (parquet) _parquet = new ParquetTableWriter(Create(_parquetTemp));
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
        if (_csv != null) File.Move(_csvTemp, _csvPath, overwrite: true);
        if (_parquet != null) File.Move(_parquetTemp, _parquetPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        try { _csv?.Dispose(); } catch (IOException) { }
        try { _parquet?.Dispose(); } catch (IOException) { }
        File.Delete(_csvTemp);
        File.Delete(_parquetTemp);
    }

    /// <summary>Writes a whole in-memory table in one go.</summary>
    public static void WriteTable(string directory, ReportTable table, bool csv = true, bool parquet = true)
    {
        using var w = new TableFileWriter(directory, table.Name, csv, parquet);
        w.Write(table);
        w.Commit();
    }

    static FileStream Create(string path) => new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
}
