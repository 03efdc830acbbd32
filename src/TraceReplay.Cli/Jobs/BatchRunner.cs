using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Core.Tables;
using TraceReplay.Output;

namespace TraceReplay.Cli.Jobs;

/// <summary>
/// The batch: scan inputs, process each (in parallel across files), write each trace's tables as its partition,
/// then merge partitions in name order. A failing input becomes a failed summary row and ingest_errors rows;
/// it never stops the others.
/// </summary>
public sealed class BatchRunner
{
    /// <summary>Layout chosen when --layout is not given: single files up to this many traces, Hive partitions above.</summary>
    public const int SingleLayoutMaxTraces = 64;
    /// <summary>
    /// Most threads one text trace is parsed on: one replay thread consumes what about three parsing threads produce,
    /// and parsed segments wait in memory for their turn (one per thread plus one, ~15 MB each for 8 MiB of text).
    /// </summary>
    const int MaxParseThreads = 4;

    readonly BatchOptions _options;
    readonly Pipeline _pipeline;
    readonly TextWriter _log;

    public BatchRunner(BatchOptions options, Pipeline pipeline, TextWriter log)
    {
        _options = options;
        _pipeline = pipeline;
        _log = log;
    }

    public sealed record Outcome(int Traces, int Failed, long Errors, long Events, IReadOnlyList<TraceResult> Results);

    public Outcome Run()
    {
        var (inputs, skipped) = InputScanner.Scan(_options.Paths, _options.OutDirectory);
        inputs = inputs.Where(InShard).ToList();
        var layout = _options.Layout ?? (inputs.Count <= SingleLayoutMaxTraces ? OutputLayout.Single : OutputLayout.Partitioned);
        var output = new ReportOutput(_options.OutDirectory, layout, _options.Csv, _options.Parquet);
        var state = new IncrementalState(_options.OutDirectory, _options.OutputKey);

        var results = new TraceResult?[inputs.Count];
        var progress = new ProgressDisplay(inputs.Count, _options.Progress, _log);
        // Largest first: a big trace started last would leave the other workers idle.
        var order = Enumerable.Range(0, inputs.Count).OrderByDescending(i => SizeOf(inputs[i].Path)).ThenBy(i => i).ToArray();
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Jobs) }, i =>
        {
            var input = inputs[i];
            string? hash = _options.Incremental ? state.ContentKey(input.Path) : null;
            if (hash != null && state.IsUpToDate(input.Name, hash, output))
            {
                results[i] = null;
                progress.Done(0, skippedUpToDate: true);
                return;
            }
            TraceResult result;
            int inFlight = Interlocked.Increment(ref _tracesInFlight);
            try { result = Process(input, output, ParseThreads(inFlight)); }
            finally { Interlocked.Decrement(ref _tracesInFlight); }
            WritePartitions(result, output);
            if (hash != null && result.Status == "ok") state.Record(input.Name, hash);
            results[i] = result;
            progress.Done(result.Events);
        });
        progress.Finish();

        output.Finish(inputs.Select(i => i.Name).ToList(), _pipeline.EmptySchemas(_options));
        output.WriteTable(SkippedTable(skipped));
        output.WriteTable(ReportLinks.Build(results.OfType<TraceResult>().OrderBy(r => r.Input.Name, StringComparer.Ordinal)));

        var done = results.OfType<TraceResult>().ToList();
        int failed = done.Count(r => r.Status != "ok");
        long errors = done.Sum(r => r.ErrorCount);
        PrintSummary(done, inputs.Count - done.Count, skipped.Count, layout);
        return new Outcome(inputs.Count, failed, errors, done.Sum(r => r.Events), done);
    }

    bool InShard(TraceInput input)
        => _options.ShardCount <= 1 || (int)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(input.Name)) % (ulong)_options.ShardCount) == _options.ShardIndex;

    int _tracesInFlight;

    /// <summary>
    /// Cores left over once each trace in flight has its reading and its replay thread, shared among those traces: a
    /// lone large trace on many cores is parsed in segments; a batch that keeps every core busy with files is not.
    /// </summary>
    int ParseThreads(int tracesInFlight) => Math.Clamp((_options.Jobs - tracesInFlight) / tracesInFlight, 1, MaxParseThreads);

    TraceResult Process(TraceInput input, ReportOutput output, int parseThreads)
    {
        var result = new TraceResult(input);
        output.DeletePartitions(input.Name);
        try
        {
            switch (input.Format)
            {
                case TraceFormat.FtraceText:
                case TraceFormat.TraceDat:
                    using (var reader = _pipeline.OpenEvents(input.Path, input.Name, _options, parseThreads))
                    {
                        var stages = _pipeline.Stages(_options, input, output);
                        TraceJob.RunEventStream(result, reader, stages);
                    }
                    break;
                case TraceFormat.ConsoleLog:
                    _pipeline.ConsoleLog(input, result);
                    break;
                default:
                    result.Status = "failed";
                    result.Error = input.Problem.Length > 0 ? input.Problem : "cannot read the file";
                    result.Errors.Add(0, 0, result.Error);
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug or an I/O failure in one input must not stop the batch: the trace is reported failed.
            result.Status = "failed";
            result.Error = $"{e.GetType().Name}: {e.Message}";
            result.Errors.Add(0, 0, "processing failed: " + result.Error);
            result.Tables.Clear();
            output.DeletePartitions(input.Name);
            _log.WriteLine($"error: {input.Name}: {result.Error}");
        }
        // The first three errors, the run's own before the reader's (indexing, not LINQ over the IngestError struct:
        // ~20 methods that were jitted on every run).
        int shown = 0;
        foreach (var stored in (IReadOnlyList<Core.Diagnostics.IngestError>[])[result.Errors.Stored, result.ReaderErrors?.Stored ?? []])
            for (int i = 0; i < stored.Count && shown < 3; i++, shown++)
                _log.WriteLine("warning: " + Core.Diagnostics.IngestErrorLog.Format(stored[i]));
        if (result.ErrorCount > 3)
            _log.WriteLine($"warning: {input.Name}: {result.ErrorCount} input errors in all (see ingest_errors)");
        return result;
    }

    void WritePartitions(TraceResult result, ReportOutput output)
    {
        var replaySummary = result.Tables.FirstOrDefault(t => t.Name == "summary");
        foreach (var table in result.Tables)
            if (table != replaySummary)
                output.WritePartition(result.Input.Name, table);
        output.WritePartition(result.Input.Name, EventsTable.IngestErrors(result.ReaderErrors is null ? [result.Errors] : [result.Errors, result.ReaderErrors]));
        output.WritePartition(result.Input.Name, Summary.Row(result, _pipeline.FindingCounts(result), replaySummary));
    }

    static ReportTable SkippedTable(List<SkippedInput> skipped)
    {
        var t = new ReportTable("skipped_inputs");
        var path = t.String("path");
        var reason = t.String("reason");
        foreach (var s in skipped.OrderBy(s => s.Path, StringComparer.Ordinal))
        {
            path.Append(s.Path);
            reason.Append(s.Reason);
        }
        return t;
    }

    void PrintSummary(List<TraceResult> results, int upToDate, int skipped, OutputLayout layout)
    {
        _log.WriteLine($"{"trace",-48} {"format",-12} {"status",-7} {"events",10} {"errors",7}  findings");
        foreach (var r in results.OrderBy(r => r.Input.Name, StringComparer.Ordinal))
        {
            var findings = string.Join(" ", _pipeline.FindingCounts(r).Where(f => f.Count > 0).Select(f => $"{f.Name}={f.Count}"));
            _log.WriteLine($"{Truncate(r.Input.Name, 48),-48} {r.Info?.Format.ToString() ?? r.Input.Format.ToString(),-12} {r.Status,-7} {r.Events,10} {r.ErrorCount,7}  {findings}");
        }
        _log.WriteLine($"{results.Count} processed, {upToDate} up to date, {skipped} skipped (not traces), {results.Count(r => r.Status != "ok")} failed; layout {layout.ToString().ToLowerInvariant()}; outputs in {_options.OutDirectory}");
    }

    static string Truncate(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];

    static long SizeOf(string path)
    {
        try { return new FileInfo(path).Length; } catch (IOException) { return 0; }
    }
}

/// <summary>The stderr progress line (only when stderr is a terminal): files done, events/s, ETA.</summary>
sealed class ProgressDisplay(int total, bool enabled, TextWriter log)
{
    readonly Stopwatch _watch = Stopwatch.StartNew();
    readonly object _lock = new();
    int _done;
    long _events;
    TimeSpan _lastPrint;

    public void Done(long events, bool skippedUpToDate = false)
    {
        lock (_lock)
        {
            _done++;
            _events += events;
            if (!enabled || (_watch.Elapsed - _lastPrint).TotalMilliseconds < 250 && _done < total) return;
            _lastPrint = _watch.Elapsed;
            double seconds = Math.Max(_watch.Elapsed.TotalSeconds, 1e-3);
            double eta = _done == 0 ? 0 : seconds / _done * (total - _done);
            log.Write($"\r[{_done}/{total}] {_events / seconds / 1e6:F2} M events/s, ETA {eta:F0} s   ");
        }
    }

    public void Finish()
    {
        if (enabled) log.WriteLine();
    }
}

/// <summary>
/// --incremental: a trace is skipped when its content hash (and the output-shaping options) match the last run's
/// and its partitions are still there. State lives in OUT/.state/.
/// </summary>
sealed class IncrementalState(string outDirectory, string optionsKey)
{
    readonly string _dir = Path.Combine(outDirectory, ".state");
    readonly ConcurrentDictionary<string, byte> _unused = new();

    public string ContentKey(string path)
    {
        var hash = new XxHash128();
        using (var s = File.OpenRead(path)) hash.Append(s);
        hash.Append(Encoding.UTF8.GetBytes(optionsKey + ";" + typeof(BatchRunner).Assembly.GetName().Version));
        return Convert.ToHexString(hash.GetCurrentHash());
    }

    public bool IsUpToDate(string traceName, string key, ReportOutput output)
    {
        string file = StateFile(traceName);
        return File.Exists(file) && File.ReadAllText(file) == key
            && Directory.Exists(output.PartitionDirectory("summary", traceName));
    }

    public void Record(string traceName, string key)
    {
        Directory.CreateDirectory(_dir);
        string file = StateFile(traceName);
        File.WriteAllText(file + ".tmp", key);
        File.Move(file + ".tmp", file, overwrite: true);
    }

    string StateFile(string traceName) => Path.Combine(_dir, Uri.EscapeDataString(traceName));
}
