using Parquet;
using Parquet.Schema;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>Reads Parquet files written by <see cref="ParquetTableWriter"/> back into report tables, one row group at a time.</summary>
public static class ParquetTableReader
{
    public static IEnumerable<ReportTable> ReadRowGroups(string path, string tableName)
    {
        using var stream = File.OpenRead(path);
        var reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        try
        {
            var fields = reader.Schema.GetDataFields();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var rowGroup = reader.OpenRowGroupReader(g);
                int rows = checked((int)rowGroup.RowCount);
                var table = new ReportTable(tableName);
                foreach (var field in fields)
                    ReadColumn(rowGroup, field, rows, table);
                yield return table;
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>An empty table with the file's columns (for files that hold a schema and no row group).</summary>
    public static ReportTable ReadSchema(string path, string tableName)
    {
        var schema = ParquetReader.ReadSchemaAsync(path).GetAwaiter().GetResult();
        var table = new ReportTable(tableName);
        foreach (var f in schema.GetDataFields())
            AddColumn(table, f);
        return table;
    }

    static ReportColumn AddColumn(ReportTable table, DataField f)
    {
        var t = f.ClrType;
        var type = t == typeof(long) ? ColumnType.Int64 : t == typeof(int) ? ColumnType.Int32 : t == typeof(ulong) ? ColumnType.UInt64
            : t == typeof(double) ? ColumnType.Double : t == typeof(bool) ? ColumnType.Bool : ColumnType.String;
        return table.Add(f.Name, type);
    }

    static void ReadColumn(ParquetRowGroupReader rg, DataField f, int rows, ReportTable table)
    {
        switch (AddColumn(table, f))
        {
            case Column<long> c: Fill(rg, f, rows, c); break;
            case Column<int> c: Fill(rg, f, rows, c); break;
            case Column<ulong> c: Fill(rg, f, rows, c); break;
            case Column<double> c: Fill(rg, f, rows, c); break;
            case Column<bool> c: Fill(rg, f, rows, c); break;
            case Column<string?> c:
                var strings = new string?[rows];
                rg.ReadAsync(f, strings.AsMemory(), null).AsTask().GetAwaiter().GetResult();
                foreach (var s in strings) c.Append(s, s is null);
                break;
        }
    }

    static void Fill<T>(ParquetRowGroupReader rg, DataField f, int rows, Column<T> column) where T : struct
    {
        if (f.IsNullable)
        {
            var values = new T?[rows];
            rg.ReadAsync(f, values.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            foreach (var v in values) column.Append(v.GetValueOrDefault(), !v.HasValue);
        }
        else
        {
            var values = new T[rows];
            rg.ReadAsync(f, values.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            foreach (var v in values) column.Append(v);
        }
    }
}
