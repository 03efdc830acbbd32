using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>How tables land in the output folder.</summary>
public enum OutputLayout
{
    /// <summary>One TABLE.csv / TABLE.parquet per table with a trace column (per-trace parts kept under .parts/ for --incremental).</summary>
    Single,
    /// <summary>Hive-style TABLE/trace=NAME/part.csv|part.parquet, readable as one dataset by Spark, DuckDB or pandas.</summary>
    Partitioned,
}

/// <summary>
/// The output folder. Every trace's tables are first written as that trace's partition (atomically, file by file);
/// <see cref="Finish"/> then merges partitions in a fixed trace order into single files (Single layout), so the
/// result does not depend on which worker finished first.
/// </summary>
public sealed class ReportOutput
{
    public const string PartsFolder = ".parts";

    public ReportOutput(string directory, OutputLayout layout, bool csv = true, bool parquet = true)
    {
        Directory = directory;
        Layout = layout;
        Csv = csv;
        Parquet = parquet;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }
    public OutputLayout Layout { get; }
    public bool Csv { get; }
    public bool Parquet { get; }

    /// <summary>Hive partition folder name for a trace ("trace=" + escaped name; '/' becomes %2F).</summary>
    public static string PartitionName(string traceName) => "trace=" + Uri.EscapeDataString(traceName);

    public string PartitionDirectory(string table, string traceName)
        => Path.Combine(Layout == OutputLayout.Single ? Path.Combine(Directory, PartsFolder) : Directory, table, PartitionName(traceName));

    /// <summary>Writes one table of one trace as its partition ("part.csv", "part.parquet").</summary>
    public void WritePartition(string traceName, ReportTable table)
    {
        using var w = new TableFileWriter(PartitionDirectory(table.Name, traceName), "part", Csv, Parquet);
        w.Write(table);
        w.Commit();
    }

    /// <summary>Removes a trace's partitions of every table (before it is processed again).</summary>
    public void DeletePartitions(string traceName)
    {
        string root = Layout == OutputLayout.Single ? Path.Combine(Directory, PartsFolder) : Directory;
        if (!System.IO.Directory.Exists(root)) return;
        foreach (var tableDir in System.IO.Directory.EnumerateDirectories(root))
        {
            string part = Path.Combine(tableDir, PartitionName(traceName));
            if (System.IO.Directory.Exists(part)) System.IO.Directory.Delete(part, recursive: true);
        }
    }

    /// <summary>Writes a batch-level table (no per-trace partition) straight into the folder.</summary>
    public void WriteTable(ReportTable table) => TableFileWriter.WriteTable(Directory, table, Csv, Parquet);

    /// <summary>
    /// Single layout: merges the partitions of the given traces, in the given order, into TABLE.csv / TABLE.parquet
    /// for every table that has partitions, plus the empty schemas given for tables nobody produced.
    /// Partitions of traces not in the list (stale, from earlier runs) are left out.
    /// </summary>
    public void Finish(IReadOnlyList<string> traceOrder, IEnumerable<ReportTable> emptySchemas)
    {
        string root = Layout == OutputLayout.Single ? Path.Combine(Directory, PartsFolder) : Directory;
        var produced = System.IO.Directory.Exists(root)
            ? System.IO.Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).ToHashSet()
            : new HashSet<string>();
        // Partitioned datasets have no place for a schema without rows; a table nobody produced is simply absent.
        if (Layout == OutputLayout.Partitioned) return;
        foreach (var schema in emptySchemas)
            if (!produced.Contains(schema.Name))
                WriteTable(schema);
        foreach (string table in produced.Order(StringComparer.Ordinal))
            Merge(table, traceOrder);
    }

    void Merge(string table, IReadOnlyList<string> traceOrder)
    {
        var parts = traceOrder.Select(t => PartitionDirectory(table, t)).Where(System.IO.Directory.Exists).ToList();
        if (parts.Count == 0) return;
        if (parts.Count == 1)
        {
            // One trace: its partition already is the table; a byte copy spares decoding and re-encoding it
            // (for the events table of one large trace that was half of the ingest time).
            if (Csv) CopyAtomically(Path.Combine(parts[0], "part.csv"), Path.Combine(Directory, table + ".csv"));
            if (Parquet) CopyAtomically(Path.Combine(parts[0], "part.parquet"), Path.Combine(Directory, table + ".parquet"));
            return;
        }
        if (Csv) MergeCsv(table, parts);
        if (Parquet) MergeParquet(table, parts);
    }

    static void CopyAtomically(string source, string final) => PendingFile.Write(final, temp => File.Copy(source, temp, overwrite: true));

    void MergeCsv(string table, List<string> parts)
    {
        string final = Path.Combine(Directory, table + ".csv");
        var headers = parts.Select(p => FirstLine(Path.Combine(p, "part.csv"))).ToList();
        if (headers.Distinct().Count() > 1)
        {
            PendingFile.Write(final, temp => MergeCsvByColumnName(temp, parts, headers));
            return;
        }
        PendingFile.Write(final, temp =>
        {
            using var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            bool first = true;
            foreach (var part in parts)
            {
                using var input = new FileStream(Path.Combine(part, "part.csv"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                if (!first) SkipLine(input);
                input.CopyTo(output);
                first = false;
            }
        });
    }

    void MergeParquet(string table, List<string> parts)
    {
        var files = parts.Select(p => Path.Combine(p, "part.parquet")).ToList();
        var union = new ReportTable(table);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
            foreach (var c in ParquetTableReader.ReadSchema(file, table).Columns)
                if (names.Add(c.Name))
                    union.Add(c.Name, c.Type);
        using var w = new TableFileWriter(Directory, table, csv: false, parquet: true);
        w.Write(union);
        foreach (var file in files)
            foreach (var batch in ParquetTableReader.ReadRowGroups(file, table))
                w.Write(Project(batch, union));
        w.Commit();
    }

    /// <summary>
    /// Partitions of one table may differ in columns (the replay's summary counts, say, exist only for traces):
    /// the merged table has the union, in first-seen order, and a part without a column gets nulls there.
    /// </summary>
    static ReportTable Project(ReportTable batch, ReportTable union)
    {
        if (batch.Columns.Select(c => c.Name).SequenceEqual(union.Columns.Select(c => c.Name)))
            return batch;
        var projected = new ReportTable(batch.Name).CopySchemaFrom(union);
        int rows = batch.RowCount;
        foreach (var column in projected.Columns)
        {
            var source = batch.Columns.FirstOrDefault(c => c.Name == column.Name);
            if (source != null) TableCopy.AppendColumn(column, source);
            else for (int r = 0; r < rows; r++) column.AppendNull();
        }
        return projected;
    }

    static void MergeCsvByColumnName(string temp, List<string> parts, List<string> headers)
    {
        var union = new List<string>();
        foreach (var header in headers)
            foreach (var name in header.Split(','))
                if (!union.Contains(name)) union.Add(name);
        using var writer = CsvHelper.CsvWriter.Create(new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), CsvTableWriter.Options, leaveOpen: false);
        writer.WriteHeader(union.ToArray());
        foreach (var part in parts)
        {
            using var reader = CsvHelper.CsvReader.FromFile(Path.Combine(part, "part.csv"), CsvHelper.CsvReaderOptions.Default);
            reader.ReadHeader();
            int[] map = union.Select(n => reader.Headers.ToList().IndexOf(n)).ToArray();
            while (reader.Read())
            {
                foreach (int i in map)
                {
                    if (i < 0) writer.WriteField(ReadOnlySpan<char>.Empty);
                    else writer.WriteField(reader.GetSpan(i));
                }
                writer.EndRecord();
            }
        }
    }

    static string FirstLine(string path)
    {
        using var r = new StreamReader(path);
        return r.ReadLine() ?? "";
    }

    static void SkipLine(Stream s)
    {
        int b;
        while ((b = s.ReadByte()) >= 0 && b != '\n') { }
    }
}
