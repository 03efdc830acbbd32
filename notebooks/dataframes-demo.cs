#:project ../src/TraceReplay.Output/TraceReplay.Output.csproj
// The C# way into an output folder: every table as a Microsoft.Data.Analysis DataFrame (from the Parquet files).
// usage: dotnet run notebooks/dataframes-demo.cs -- OUTDIR
using Microsoft.Data.Analysis;
using TraceReplay.Output;

string folder = args.Length > 0 ? args[0] : "out";
var tables = DataFrames.LoadFolder(folder);
Console.WriteLine($"{folder}: {tables.Count} tables");
foreach (var (name, df) in tables)
    Console.WriteLine($"  {name,-22} {df.Rows.Count,10:N0} rows  {df.Columns.Count,3} columns");

// Events per input format, and the batch's biggest traces.
if (tables.TryGetValue("summary", out var summary) && summary.Rows.Count > 0)
{
    Show("events per format", summary.GroupBy<string>("format").Sum("events").OrderByDescending("events"));
    Show("largest traces", Select(summary.OrderByDescending("events").Head(5), "trace", "format", "events", "cpus"));
}

// Findings by kind, one group-by per report table.
foreach (var (table, column) in new[] { ("unsafe_frees", "rule"), ("lock_findings", "kind"), ("anomalies", "kind"), ("rcu_barriers", "verdict"), ("lockdep_reports", "kind") })
    if (tables.TryGetValue(table, out var df) && df.Rows.Count > 0)
        Show($"{table} by {column}", Counted(df.GroupBy<string>(column).Count(), column));
    else
        Console.WriteLine($"\n{table}: no findings");

// Lifetimes: how each kind of object ended, and the mean rmdir -> free time of the memcgs.
if (tables.TryGetValue("lifetimes", out var life) && life.Rows.Count > 0)
{
    var kindStatus = new StringDataFrameColumn("kind/status", life.Rows.Select(r => $"{r["kind"]}/{r["status"]}"));
    var withKey = new DataFrame(kindStatus, life["key"]);
    Show("lifetimes by kind/status", Counted(withKey.GroupBy<string>("kind/status").Count(), "kind/status"));
    var memcg = life.Filter(life["kind"].ElementwiseEquals("memcg"));
    var dying = memcg["freed_ns"] - memcg["offlined_ns"];
    if (dying.NullCount < dying.Length)
        Console.WriteLine($"\nmemcg dying time (rmdir -> free): mean {Convert.ToDouble(dying.Mean()) / 1e6:F3} ms over {dying.Length - dying.NullCount} memcgs");
}

static DataFrame Select(DataFrame df, params string[] names) => new(names.Select(n => df.Columns[n].Clone()));

// GroupBy().Count() counts every other column; keep the key and one count, named "rows", largest first.
static DataFrame Counted(DataFrame grouped, string key)
{
    var rows = grouped.Columns.First(c => c.Name != key).Clone();
    rows.SetName("rows");
    return new DataFrame(grouped.Columns[key].Clone(), rows).OrderByDescending("rows");
}

// DataFrame.ToString pads every cell to 10 characters; this aligns columns to their widest value.
static void Show(string title, DataFrame df)
{
    var cells = df.Columns.Select(c => new[] { c.Name }.Concat(Enumerable.Range(0, (int)df.Rows.Count).Select(r => c[r]?.ToString() ?? "")).ToArray()).ToArray();
    var widths = cells.Select(col => col.Max(v => v.Length)).ToArray();
    Console.WriteLine($"\n{title}:");
    for (int r = 0; r <= df.Rows.Count; r++)
        Console.WriteLine("  " + string.Join("  ", cells.Select((col, c) => col[r].PadRight(widths[c]))).TrimEnd());
}
