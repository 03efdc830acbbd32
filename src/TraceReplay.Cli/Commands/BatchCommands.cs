using System.CommandLine;
using TraceReplay.Cli.Jobs;
using TraceReplay.Output;

namespace TraceReplay.Cli.Commands;

/// <summary>`analyze` and `ingest`: the same batch over files and directories, with or without replay and analyses.</summary>
public static class BatchCommands
{
    public static Command Analyze() => Create("analyze",
        "Ingest, replay and analyse traces and console logs (files or directories, formats detected by content) and write the report tables.",
        analyze: true);

    public static Command Ingest() => Create("ingest",
        "Read traces into the events and ingest_errors tables (CSV and Parquet), without replay.",
        analyze: false);

    static Command Create(string name, string description, bool analyze)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Trace files, console logs or directories (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder.", Required = true };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Threads: files processed in parallel; the cores left over parse a large plain text file in segments.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var strict = new Option<bool>("--strict") { Description = "Exit with code 2 when any input had errors (bad lines, unreadable files)." };
        var events = new Option<bool>("--events") { Description = "Also write the events table (analyze; ingest always writes it)." };
        var layout = new Option<string?>("--layout") { Description = "single: one file per table; partitioned: TABLE/trace=NAME/part.*; default single up to 64 traces." };
        layout.AcceptOnlyFromAmong("single", "partitioned");
        var format = new Option<string>("--format") { Description = "Output formats.", DefaultValueFactory = _ => "both" };
        format.AcceptOnlyFromAmong("both", "csv", "parquet");
        var incremental = new Option<bool>("--incremental") { Description = "Skip traces whose outputs are up to date (content hash)." };
        var shard = new Option<string?>("--shard") { Description = "i/N: process only shard i (0-based) of N, chosen by a hash of each trace's name." };
        var cpus = new Option<int>("--cpus") { Description = "CPU count of the modeled machine (default: from the trace)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display." };
        var kernel = new Option<string?>("--kernel") { Description = "Kernel release (e.g. 3.7) for inputs that do not state one; selects the era's rules. Default: trace.dat uname, a synthetic trace's FILE.truth.json, else the newest rules." };

        var command = new Command(name, description) { paths, outDir, jobs, strict, layout, format, incremental, shard, quiet };
        if (analyze)
        {
            command.Options.Add(events);
            command.Options.Add(cpus);
            command.Options.Add(kernel);
        }
        command.SetAction(parse =>
        {
            int shardIndex = 0, shardCount = 1;
            if (parse.GetValue(shard) is { } s && !TryParseShard(s, out shardIndex, out shardCount))
            {
                Console.Error.WriteLine($"error: --shard must be i/N with 0 <= i < N, got '{s}'");
                return 1;
            }
            string fmt = parse.GetValue(format)!;
            var options = new BatchOptions
            {
                Paths = parse.GetValue(paths)!,
                OutDirectory = parse.GetValue(outDir)!,
                Jobs = Math.Max(1, parse.GetValue(jobs)),
                Strict = parse.GetValue(strict),
                Events = !analyze || parse.GetValue(events),
                Analyze = analyze,
                Layout = parse.GetValue(layout) switch { "single" => OutputLayout.Single, "partitioned" => OutputLayout.Partitioned, _ => null },
                Csv = fmt != "parquet",
                Parquet = fmt != "csv",
                Incremental = parse.GetValue(incremental),
                ShardIndex = shardIndex,
                ShardCount = shardCount,
                Cpus = analyze ? parse.GetValue(cpus) : 0,
                Kernel = analyze ? parse.GetValue(kernel) : null,
                Progress = !parse.GetValue(quiet) && !Console.IsErrorRedirected,
            };
            var outcome = new BatchRunner(options, new Pipeline(), Console.Error).Run();
            if (outcome.Traces == 0 && options.ShardCount == 1)
            {
                Console.Error.WriteLine("error: no trace found in the given paths");
                return options.Strict ? 2 : 0;
            }
            return options.Strict && (outcome.Failed > 0 || outcome.Errors > 0) ? 2 : 0;
        });
        return command;
    }

    static bool TryParseShard(string s, out int index, out int count)
    {
        index = 0; count = 1;
        var parts = s.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], out index) && int.TryParse(parts[1], out count) && count >= 1 && index >= 0 && index < count;
    }
}
