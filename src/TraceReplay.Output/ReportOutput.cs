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
        if (Csv) MergeCsv(table, parts);
        if (Parquet) MergeParquet(table, parts);
    }

    void MergeCsv(string table, List<string> parts)
    {
        string final = Path.Combine(Directory, table + ".csv");
        string temp = final + $".tmp-{Environment.ProcessId}";
        try
        {
            using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                bool first = true;
                foreach (var part in parts)
                {
                    using var input = new FileStream(Path.Combine(part, "part.csv"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                    if (!first) SkipLine(input);
                    input.CopyTo(output);
                    first = false;
                }
            }
            File.Move(temp, final, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    void MergeParquet(string table, List<string> parts)
    {
        using var w = new TableFileWriter(Directory, table, csv: false, parquet: true);
        foreach (var part in parts)
        {
            string file = Path.Combine(part, "part.parquet");
            bool any = false;
            foreach (var batch in ParquetTableReader.ReadRowGroups(file, table))
            {
                w.Write(batch);
                any = true;
            }
            if (!any) w.Write(ParquetTableReader.ReadSchema(file, table));
        }
        w.Commit();
    }

    static void SkipLine(Stream s)
    {
        int b;
        while ((b = s.ReadByte()) >= 0 && b != '\n') { }
    }
}
