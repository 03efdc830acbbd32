using CsvHelper;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output.Timeline;

/// <summary>
/// Reads the rows of one trace from one table of an output folder: TABLE.parquet, else TABLE.csv (single layout),
/// or TABLE/trace=NAME/part.parquet|part.csv (partitioned). Parquet keeps the column types; CSV columns come back
/// as strings (read them through <see cref="Cells"/>). A table that is absent gives null.
/// </summary>
public static class TraceTableReader
{
    public static ReportTable? Read(string outputFolder, string table, string trace)
    {
        string partition = Path.Combine(outputFolder, table, ReportOutput.PartitionName(trace));
        foreach (var (file, filtered) in new[]
                 {
                     (Path.Combine(outputFolder, table + ".parquet"), true),
                     (Path.Combine(partition, "part.parquet"), false),
                     (Path.Combine(outputFolder, table + ".csv"), true),
                     (Path.Combine(partition, "part.csv"), false),
                 })
        {
            if (!File.Exists(file)) continue;
            return file.EndsWith(".parquet", StringComparison.Ordinal)
                ? ReadParquet(file, table, filtered ? trace : null)
                : ReadCsv(file, table, filtered ? trace : null);
        }
        return null;
    }

    /// <summary>Trace names of the batch: the summary table's trace column (in its order), else the partition folders of any table.</summary>
    public static IReadOnlyList<string> TraceNames(string outputFolder)
    {
        var summary = ReadAll(outputFolder, "summary");
        if (summary != null && summary.Columns.Any(c => c.Name == "trace"))
            return Enumerable.Range(0, summary.RowCount).Select(r => Cells.String(summary, "trace", r)).OfType<string>().Distinct().ToList();
        return Directory.EnumerateDirectories(outputFolder, "trace=*", SearchOption.AllDirectories)
            .Select(d => Uri.UnescapeDataString(Path.GetFileName(d)["trace=".Length..]))
            .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    static ReportTable? ReadAll(string outputFolder, string table)
    {
        string parquet = Path.Combine(outputFolder, table + ".parquet"), csv = Path.Combine(outputFolder, table + ".csv");
        return File.Exists(parquet) ? ReadParquet(parquet, table, null) : File.Exists(csv) ? ReadCsv(csv, table, null) : null;
    }

    static ReportTable ReadParquet(string file, string table, string? trace)
    {
        ReportTable? result = null;
        foreach (var batch in ParquetTableReader.ReadRowGroups(file, table))
        {
            result ??= EmptyLike(batch);
            var traceColumn = batch.Columns.FirstOrDefault(c => c.Name == "trace") as Column<string?>;
            for (int r = 0; r < batch.RowCount; r++)
                if (trace == null || traceColumn == null || traceColumn[r] == trace)
                    CopyRow(batch, r, result);
        }
        return result ?? ParquetTableReader.ReadSchema(file, table);
    }

    static ReportTable ReadCsv(string file, string table, string? trace)
    {
        using var reader = CsvReader.FromFile(file, CsvReaderOptions.Default);
        var result = new ReportTable(table);
        var headers = reader.Headers;
        if (headers.Count == 0) return result;
        var columns = headers.Select(h => result.String(h)).ToArray();
        int traceIndex = headers.ToList().IndexOf("trace");
        while (reader.Read())
        {
            if (trace != null && traceIndex >= 0 && reader.GetString(traceIndex) != trace) continue;
            for (int c = 0; c < columns.Length; c++)
            {
                // Empty cell = null (docs/reports.md).
                if (c >= reader.FieldCount || reader.IsEmpty(c)) columns[c].AppendNull();
                else columns[c].Append(reader.GetString(c));
            }
        }
        return result;
    }

    static ReportTable EmptyLike(ReportTable schema)
    {
        var t = new ReportTable(schema.Name);
        foreach (var c in schema.Columns)
            _ = c.Type switch
            {
                ColumnType.Int64 => (ReportColumn)t.Int64(c.Name),
                ColumnType.Int32 => t.Int32(c.Name),
                ColumnType.UInt64 => t.UInt64(c.Name),
                ColumnType.Double => t.Double(c.Name),
                ColumnType.Bool => t.Bool(c.Name),
                _ => t.String(c.Name),
            };
        return t;
    }

    static void CopyRow(ReportTable from, int row, ReportTable into)
    {
        for (int c = 0; c < from.Columns.Count; c++)
        {
            var src = from.Columns[c];
            switch (into.Columns[c])
            {
                case Column<long> l: l.Append(((Column<long>)src)[row], src.IsNull(row)); break;
                case Column<int> i: i.Append(((Column<int>)src)[row], src.IsNull(row)); break;
                case Column<ulong> u: u.Append(((Column<ulong>)src)[row], src.IsNull(row)); break;
                case Column<double> d: d.Append(((Column<double>)src)[row], src.IsNull(row)); break;
                case Column<bool> b: b.Append(((Column<bool>)src)[row], src.IsNull(row)); break;
                case Column<string?> s: s.Append(((Column<string?>)src)[row], src.IsNull(row)); break;
            }
        }
    }
}
