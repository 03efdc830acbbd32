using Microsoft.Data.Analysis;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>
/// Report tables as Microsoft.Data.Analysis DataFrames, for notebook-sized data in C# (built from the columns,
/// not through MDA's slow CSV loader). Load a whole output folder with <see cref="LoadFolder"/>.
/// </summary>
public static class DataFrames
{
    public static DataFrame ToDataFrame(ReportTable table)
    {
        var columns = new List<DataFrameColumn>();
        foreach (var c in table.Columns)
            columns.Add(c switch
            {
                Column<long> l => Primitive(new Int64DataFrameColumn(c.Name, l.Count), l),
                Column<int> i => Primitive(new Int32DataFrameColumn(c.Name, i.Count), i),
                Column<ulong> u => Primitive(new UInt64DataFrameColumn(c.Name, u.Count), u),
                Column<double> d => Primitive(new DoubleDataFrameColumn(c.Name, d.Count), d),
                Column<bool> b => Primitive(new BooleanDataFrameColumn(c.Name, b.Count), b),
                Column<string?> s => new StringDataFrameColumn(c.Name, s.Values.ToArray()),
                _ => throw new NotSupportedException(c.GetType().Name),
            });
        return new DataFrame(columns);
    }

    /// <summary>Reads one table of an output folder (TABLE.parquet, or the Hive partitions TABLE/trace=*/part.parquet).</summary>
    public static DataFrame LoadTable(string outputFolder, string tableName)
    {
        var files = new List<string>();
        string single = Path.Combine(outputFolder, tableName + ".parquet");
        if (File.Exists(single)) files.Add(single);
        string partitioned = Path.Combine(outputFolder, tableName);
        if (Directory.Exists(partitioned))
            files.AddRange(Directory.EnumerateFiles(partitioned, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        if (files.Count == 0)
            throw new FileNotFoundException($"no {tableName}.parquet (or partitions) in {outputFolder}");
        ReportTable? merged = null;
        foreach (var file in files)
        {
            var batches = ParquetTableReader.ReadRowGroups(file, tableName).ToList();
            if (batches.Count == 0) batches.Add(ParquetTableReader.ReadSchema(file, tableName));
            foreach (var batch in batches)
                merged = merged == null ? batch : Append(merged, batch);
        }
        return ToDataFrame(merged!);
    }

    /// <summary>Every table of an output folder by name.</summary>
    public static IReadOnlyDictionary<string, DataFrame> LoadFolder(string outputFolder)
    {
        var names = Directory.EnumerateFiles(outputFolder, "*.parquet").Select(Path.GetFileNameWithoutExtension)
            .Concat(Directory.EnumerateDirectories(outputFolder).Select(Path.GetFileName)
                .Where(d => !d!.StartsWith('.') && Directory.EnumerateFiles(Path.Combine(outputFolder, d!), "*.parquet", SearchOption.AllDirectories).Any()))
            .Distinct().Order(StringComparer.Ordinal);
        return names.ToDictionary(n => n!, n => LoadTable(outputFolder, n!));
    }

    static ReportTable Append(ReportTable into, ReportTable from)
    {
        for (int c = 0; c < into.Columns.Count; c++)
            TableCopy.AppendColumn(into.Columns[c], from.Columns[c]);
        return into;
    }

    static PrimitiveDataFrameColumn<T> Primitive<T>(PrimitiveDataFrameColumn<T> column, Column<T> values) where T : unmanaged
    {
        for (int r = 0; r < values.Count; r++)
            column[r] = values.IsNull(r) ? null : values[r];
        return column;
    }
}

/// <summary>Row copying between tables of the same schema.</summary>
public static class TableCopy
{
    public static void AppendColumn(ReportColumn into, ReportColumn from)
    {
        switch (into)
        {
            case Column<long> l: Copy(l, (Column<long>)from); break;
            case Column<int> i: Copy(i, (Column<int>)from); break;
            case Column<ulong> u: Copy(u, (Column<ulong>)from); break;
            case Column<double> d: Copy(d, (Column<double>)from); break;
            case Column<bool> b: Copy(b, (Column<bool>)from); break;
            case Column<string?> s: Copy(s, (Column<string?>)from); break;
        }
    }

    static void Copy<T>(Column<T> into, Column<T> from)
    {
        for (int r = 0; r < from.Count; r++)
            into.Append(from[r], from.IsNull(r));
    }
}
