using TraceReplay.Core.Tables;

namespace TraceReplay.Cli.Jobs;

/// <summary>The per-trace summary row: what was read, how, and how many findings of each kind.</summary>
public static class Summary
{
    /// <summary>
    /// The row; <paramref name="replaySummary"/> (the replay's own one-row summary) adds its detail counts after the
    /// fixed columns. Console logs have none, so those cells are null for them after the merge.
    /// </summary>
    public static ReportTable Row(TraceResult r, IReadOnlyList<FindingCount> findings, ReportTable? replaySummary = null)
    {
        var t = new ReportTable("summary");
        var info = r.Info;
        t.String("trace").Append(r.Input.Name);
        t.String("format").Append(FormatName(info?.Format ?? r.Input.Format));
        t.String("variant").Append(info?.Variant ?? "");
        t.String("compression").Append(info?.Compression is { Length: > 0 } c ? c : r.Input.Compression);
        t.String("status").Append(r.Status);
        t.String("error").Append(r.Error);
        t.String("kernel").Append(info?.Kernel ?? "");
        t.Int64("events").Append(r.Events);
        t.Int32("cpus").Append(info?.Cpus ?? 0);
        bool anyTime = r.FirstNs <= r.LastNs;
        t.Int64("first_ns").Append(r.FirstNs, !anyTime);
        t.Int64("last_ns").Append(r.LastNs, !anyTime);
        t.Int64("lost_events").Append(info?.LostEvents ?? 0);
        t.Int64("lost_markers").Append(info?.LostMarkers ?? 0);
        t.Int64("parse_errors").Append(r.ErrorCount);
        foreach (var finding in findings)
            t.Int64(finding.Name).Append(finding.Count);
        if (replaySummary is { RowCount: 1 })
        {
            var have = t.Columns.Select(c => c.Name).ToHashSet();
            foreach (var column in replaySummary.Columns)
                if (column is Column<long> counts && have.Add(column.Name))
                    t.Int64(column.Name).Append(counts[0], counts.IsNull(0));
        }
        t.EndRow();
        return t;
    }

    /// <summary>The summary's columns with no row (for a run that processed no trace, e.g. an empty shard).</summary>
    public static ReportTable Schema(IReadOnlyList<FindingCount> findings)
    {
        var row = Row(new TraceResult(new TraceInput("", "", "", Core.Events.TraceFormat.Unknown, "")), findings);
        row.Clear();
        return row;
    }

    public static string FormatName(Core.Events.TraceFormat f) => f switch
    {
        Core.Events.TraceFormat.FtraceText => "ftrace-text",
        Core.Events.TraceFormat.TraceDat => "trace-dat",
        Core.Events.TraceFormat.ConsoleLog => "console-log",
        _ => "unknown",
    };
}
