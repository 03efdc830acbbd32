using System.CommandLine;
using TraceReplay.Output;

namespace TraceReplay.Cli.Commands;

/// <summary>
/// `merge`: combines the output folders of shard runs (`analyze --shard i/N`) into one. Each trace's partitions are
/// copied as they are; the merged tables are then built in trace-name order, so N shards merged give the same
/// bytes as one unsharded run.
/// </summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("DIR") { Description = "Output folders of shard runs.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out", "-o") { Description = "Merged output folder.", Required = true };
        var layout = new Option<string>("--layout") { Description = "single or partitioned.", DefaultValueFactory = _ => "single" };
        layout.AcceptOnlyFromAmong("single", "partitioned");
        var command = new Command("merge", "Merge the output folders of shard runs (analyze --shard i/N) into one output folder.") { inputs, outDir, layout };
        command.SetAction(parse =>
        {
            var output = new ReportOutput(parse.GetValue(outDir)!, parse.GetValue(layout) == "partitioned" ? OutputLayout.Partitioned : OutputLayout.Single);
            var traces = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string dir in parse.GetValue(inputs)!)
            {
                string root = Directory.Exists(Path.Combine(dir, ReportOutput.PartsFolder)) ? Path.Combine(dir, ReportOutput.PartsFolder) : dir;
                if (!Directory.Exists(Path.Combine(root, "summary")) && File.Exists(Path.Combine(dir, "summary.csv")))
                    continue; // a shard that drew no trace
                if (!Directory.Exists(Path.Combine(root, "summary")))
                {
                    Console.Error.WriteLine($"error: {dir} holds no per-trace partitions (summary/trace=*/); was it written by analyze?");
                    return 1;
                }
                foreach (string tableDir in Directory.EnumerateDirectories(root))
                {
                    string table = Path.GetFileName(tableDir);
                    foreach (string partition in Directory.EnumerateDirectories(tableDir, "trace=*"))
                    {
                        string trace = Uri.UnescapeDataString(Path.GetFileName(partition)["trace=".Length..]);
                        if (table == "summary") traces.Add(trace);
                        string target = output.PartitionDirectory(table, trace);
                        Directory.CreateDirectory(target);
                        foreach (string file in Directory.EnumerateFiles(partition))
                            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
                    }
                }
                foreach (string file in new[] { "skipped_inputs.csv", "skipped_inputs.parquet" })
                    if (File.Exists(Path.Combine(dir, file)) && !File.Exists(Path.Combine(output.Directory, file)))
                        File.Copy(Path.Combine(dir, file), Path.Combine(output.Directory, file));
            }
            output.Finish(traces.ToList(), []);
            Console.Error.WriteLine($"merged {traces.Count} traces into {output.Directory}");
            return 0;
        });
        return command;
    }
}
