using System.CommandLine;
using TraceReplay.Output.Timeline;

namespace TraceReplay.Cli.Commands;

/// <summary>`export-timeline`: one trace of an output folder as Chrome trace-event JSON for Perfetto UI / chrome://tracing.</summary>
public static class ExportTimelineCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("OUTDIR") { Description = "Output folder of `analyze` (reads contexts, work_items, lifetimes and the findings tables)." };
        var trace = new Option<string?>("--trace", "-t") { Description = "Trace to export, as named in the summary table (a unique file-name suffix is enough); optional when the folder holds one trace." };
        var output = new Option<string>("--out", "-o") { Description = "JSON file to write.", Required = true };
        var from = new Option<long?>("--from-ns") { Description = "Only events at or after this timestamp (ns)." };
        var to = new Option<long?>("--to-ns") { Description = "Only events at or before this timestamp (ns)." };
        var command = new Command("export-timeline",
            "Write one trace's replayed per-CPU contexts, work items, lifetimes and findings as Chrome trace-event JSON (open it in https://ui.perfetto.dev or chrome://tracing).")
        { folder, trace, output, from, to };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(folder)!;
            if (!Directory.Exists(dir))
            {
                Console.Error.WriteLine($"error: output folder not found: {dir}");
                return 1;
            }
            var names = TraceTableReader.TraceNames(dir);
            string? name = ResolveTrace(parse.GetValue(trace), names, out string? problem);
            if (name == null)
            {
                Console.Error.WriteLine("error: " + problem);
                return 1;
            }
            long? fromNs = parse.GetValue(from), toNs = parse.GetValue(to);
            if (fromNs > toNs)
            {
                Console.Error.WriteLine("error: --from-ns is after --to-ns");
                return 1;
            }
            string file = parse.GetValue(output)!;
            string temp = file + ".tmp-" + Environment.ProcessId;
            TimelineExporter.Counts counts;
            using (var stream = File.Create(temp))
                counts = TimelineExporter.Export(new TimelineOptions(dir, name, fromNs, toNs), stream);
            File.Move(temp, file, overwrite: true);
            Console.Error.WriteLine($"{file}: {name}: {counts.Contexts} context spans, {counts.WorkItems} work items, {counts.Lifetimes} lifetimes, {counts.Findings} findings");
            return 0;
        });
        return command;
    }

    /// <summary>Exact name, else the one name ending in "/NAME" (or equal to its file name); null with the reason otherwise.</summary>
    public static string? ResolveTrace(string? wanted, IReadOnlyList<string> names, out string? problem)
    {
        problem = null;
        if (wanted == null)
        {
            if (names.Count == 1) return names[0];
            problem = names.Count == 0 ? "no trace in this output folder" : "--trace is needed; traces: " + string.Join(", ", names.Take(20));
            return null;
        }
        if (names.Contains(wanted)) return wanted;
        var matches = names.Where(n => n.EndsWith("/" + wanted, StringComparison.Ordinal) || Path.GetFileName(n) == wanted).ToList();
        if (matches.Count == 1) return matches[0];
        problem = matches.Count == 0
            ? $"no trace named '{wanted}'; traces: " + string.Join(", ", names.Take(20))
            : $"'{wanted}' matches several traces: " + string.Join(", ", matches);
        return null;
    }
}
