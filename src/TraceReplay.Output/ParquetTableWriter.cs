using Parquet;
using Parquet.Schema;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>
/// Writes report-table batches as Parquet, one row group per batch (streaming). Zstd at CompressionLevel.Fastest:
/// Parquet.Net 6.1.0's default level is ~50x slower. Every column is OPTIONAL so batches may carry nulls.
/// </summary>
sealed class ParquetTableWriter : IDisposable
{
    static readonly ParquetOptions s_options = new()
    {
        CompressionMethod = CompressionMethod.Zstd,
        CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
    };

    readonly Stream _stream;
    ParquetWriter? _writer;
    DataField[] _fields = [];

    public ParquetTableWriter(Stream stream) => _stream = stream;

    public void Write(ReportTable batch)
    {
        EnsureWriter(batch);
        using var rowGroup = _writer!.CreateRowGroup();
        for (int c = 0; c < batch.Columns.Count; c++)
            WriteColumn(rowGroup, _fields[c], batch.Columns[c], c).GetAwaiter().GetResult();
    }

    /// <summary>Creates the file with its schema and no row group (an empty table is still a valid dataset).</summary>
    public void WriteHeaderOnly(ReportTable schema) => EnsureWriter(schema);

    void EnsureWriter(ReportTable batch)
    {
        if (_writer != null) return;
        _fields = batch.Columns.Select(FieldOf).ToArray();
        _writer = ParquetWriter.CreateAsync(new ParquetSchema(_fields), _stream, s_options).GetAwaiter().GetResult();
        _writer.CustomMetadata = new Dictionary<string, string> { ["producer"] = "TraceReplay", ["table"] = batch.Name };
    }

    static DataField FieldOf(ReportColumn c) => c.Type switch
    {
        ColumnType.Int64 => new DataField<long?>(c.Name),
        ColumnType.Int32 => new DataField<int?>(c.Name),
        ColumnType.UInt64 => new DataField<ulong?>(c.Name),
        ColumnType.Double => new DataField<double?>(c.Name),
        ColumnType.Bool => new DataField<bool?>(c.Name),
        _ => new DataField<string>(c.Name, true),
    };

    /// <summary>Per-column conversion buffers, reused batch after batch (a batch is written before the next is built).</summary>
    Array?[] _buffers = [];

    Task WriteColumn(ParquetRowGroupWriter rg, DataField field, ReportColumn column, int index) => column switch
    {
        Column<long> l => rg.WriteAsync(field, Nullable(l, index)),
        Column<int> i => rg.WriteAsync(field, Nullable(i, index)),
        Column<ulong> u => rg.WriteAsync(field, Nullable(u, index)),
        Column<double> d => rg.WriteAsync(field, Nullable(d, index)),
        Column<bool> b => rg.WriteAsync(field, Nullable(b, index)),
        Column<string?> s => rg.WriteAsync(field, Strings(s, index)),
        _ => throw new NotSupportedException(column.GetType().Name),
    };

    ReadOnlyMemory<T?> Nullable<T>(Column<T> column, int index) where T : struct
    {
        var values = column.Values;
        var result = Buffer<T?>(index, values.Length);
        if (column.HasNulls)
            for (int i = 0; i < values.Length; i++)
                result[i] = column.IsNull(i) ? null : values[i];
        else
            for (int i = 0; i < values.Length; i++)
                result[i] = values[i];
        return result.AsMemory(0, values.Length);
    }

    // Handed over as strings: Parquet.Net's char-memory path reads nulls back as "" (tried with 6.1.0).
    IReadOnlyCollection<string> Strings(Column<string?> column, int index)
    {
        var values = column.Values;
        var result = Buffer<string?>(index, values.Length);
        values.CopyTo(result);
        return new ArraySegment<string>(result!, 0, values.Length);
    }

    T[] Buffer<T>(int index, int length)
    {
        if (_buffers.Length <= index) Array.Resize(ref _buffers, index + 1);
        if (_buffers[index] is T[] b && b.Length >= length) return b;
        var fresh = new T[Math.Max(length, 16)];
        _buffers[index] = fresh;
        return fresh;
    }

    public void Dispose()
    {
        _writer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }
}
