using TraceReplay.Core.Events;
using TraceReplay.Ingest.Input;

namespace TraceReplay.Cli.Jobs;

/// <summary>One input file of a batch: its path, its name in every report's trace column, and what it holds.</summary>
public sealed record TraceInput(string Path, string Name, string Group, TraceFormat Format, string Compression, string Problem = "");

/// <summary>A file the scan passed over, and why (listed in the run's skipped_inputs table, never silently).</summary>
public sealed record SkippedInput(string Path, string Reason);

/// <summary>
/// Expands files and directories (recursively) into trace inputs, told apart by content. Names are paths relative
/// to the directory given (or the file name), so reports are stable wherever the data lives. Order is ordinal by
/// name, which makes every merged report deterministic.
/// </summary>
public static class InputScanner
{
    // Our own outputs and companion files are not traces; anything else is judged by content.
    static readonly string[] s_notTraces = [".csv", ".parquet", ".json", ".md", ".ipynb", ".py", ".sh", ".png", ".html.out", ".tmp"];

    public static (List<TraceInput> Inputs, List<SkippedInput> Skipped) Scan(IEnumerable<string> paths, string? excludeDirectory = null)
    {
        var inputs = new List<TraceInput>();
        var skipped = new List<SkippedInput>();
        string? exclude = excludeDirectory == null ? null : Path.GetFullPath(excludeDirectory).TrimEnd('/') + "/";
        foreach (string given in paths)
        {
            if (Directory.Exists(given))
            {
                string root = Path.GetFullPath(given);
                string rootName = Path.GetFileName(root.TrimEnd('/'));
                foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    string full = Path.GetFullPath(file);
                    if (exclude != null && full.StartsWith(exclude, StringComparison.Ordinal)) continue;
                    if (Path.GetRelativePath(root, full).Split('/').Any(p => p.StartsWith('.'))) continue;
                    string name = rootName + "/" + Path.GetRelativePath(root, full);
                    Add(full, name, inputs, skipped);
                }
            }
            else if (File.Exists(given))
            {
                Add(Path.GetFullPath(given), Path.GetFileName(given), inputs, skipped);
            }
            else
            {
                skipped.Add(new SkippedInput(given, "no such file or directory"));
            }
        }
        // The same file named twice is analysed once.
        var unique = inputs.GroupBy(i => i.Path).Select(g => g.First()).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        return (unique, skipped);
    }

    static void Add(string path, string name, List<TraceInput> inputs, List<SkippedInput> skipped)
    {
        string lower = path.ToLowerInvariant();
        if (s_notTraces.Any(lower.EndsWith) || Path.GetFileName(path) is "MANIFEST" or "LICENSE" or "README")
        {
            skipped.Add(new SkippedInput(path, "not a trace (by its extension)"));
            return;
        }
        try
        {
            var detected = InputDetector.Detect(path);
            string group = Path.GetDirectoryName(name) ?? "";
            inputs.Add(new TraceInput(path, name, group, detected.Format, detected.Compression, detected.Problem));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable is a failure of that trace (a summary row), not a file to pass over.
            inputs.Add(new TraceInput(path, name, Path.GetDirectoryName(name) ?? "", TraceFormat.Unknown, ""));
        }
    }
}
