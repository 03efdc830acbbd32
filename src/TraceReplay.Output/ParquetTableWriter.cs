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
            WriteColumn(rowGroup, _fields[c], batch.Columns[c]).GetAwaiter().GetResult();
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

    static Task WriteColumn(ParquetRowGroupWriter rg, DataField field, ReportColumn column) => column switch
    {
        Column<long> l => rg.WriteAsync(field, new ReadOnlyMemory<long?>(Nullable(l))),
        Column<int> i => rg.WriteAsync(field, new ReadOnlyMemory<int?>(Nullable(i))),
        Column<ulong> u => rg.WriteAsync(field, new ReadOnlyMemory<ulong?>(Nullable(u))),
        Column<double> d => rg.WriteAsync(field, new ReadOnlyMemory<double?>(Nullable(d))),
        Column<bool> b => rg.WriteAsync(field, new ReadOnlyMemory<bool?>(Nullable(b))),
        Column<string?> s => rg.WriteAsync(field, (IReadOnlyCollection<string>)s.Values.ToArray()!),
        _ => throw new NotSupportedException(column.GetType().Name),
    };

    static T?[] Nullable<T>(Column<T> column) where T : struct
    {
        var values = column.Values;
        var result = new T?[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = column.IsNull(i) ? null : values[i];
        return result;
    }

    public void Dispose()
    {
        _writer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }
}
