using TraceReplay.Core.Tables;

namespace TraceReplay.Cli.Jobs;

/// <summary>
/// report_links: each lockdep-family report of a console log linked to the replay findings (lock_findings,
/// unsafe_frees) of the traces in the same folder that name the same lock class — the "trace and its dmesg"
/// case. A link whose usage transition also agrees ({SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}) says so in match.
/// Kernel and trace clocks rarely agree, so time is reported beside the link, not used to make it.
/// </summary>
public static class ReportLinks
{
    sealed record Report(string Trace, long Line, string Title, string LockClass, string From, string To);
    sealed record Finding(string Trace, string Table, string Kind, string LockClass, string From, string To, long? TsNs);

    public static ReportTable Build(IEnumerable<TraceResult> results)
    {
        var t = new ReportTable("report_links");
        var reportTrace = t.String("report_trace");
        var reportLine = t.Int64("report_line");
        var title = t.String("report_title");
        var lockClass = t.String("lock_class");
        var findingTrace = t.String("finding_trace");
        var findingTable = t.String("finding_table");
        var findingKind = t.String("finding_kind");
        var findingTs = t.Int64("finding_ts_ns");
        var match = t.String("match");

        foreach (var group in results.GroupBy(r => r.Input.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var reports = group.SelectMany(r => Reports(r)).ToList();
            if (reports.Count == 0) continue;
            var findings = group.SelectMany(r => Findings(r)).ToList();
            foreach (var rep in reports.OrderBy(r => r.Trace, StringComparer.Ordinal).ThenBy(r => r.Line))
            {
                foreach (var f in findings.Where(f => f.LockClass.Length > 0 && f.LockClass == rep.LockClass)
                             .OrderBy(f => f.Trace, StringComparer.Ordinal).ThenBy(f => f.Table, StringComparer.Ordinal).ThenBy(f => f.TsNs))
                {
                    reportTrace.Append(rep.Trace);
                    reportLine.Append(rep.Line);
                    title.Append(rep.Title);
                    lockClass.Append(rep.LockClass);
                    findingTrace.Append(f.Trace);
                    findingTable.Append(f.Table);
                    findingKind.Append(f.Kind);
                    findingTs.Append(f.TsNs ?? 0, f.TsNs is null);
                    bool usage = f.From.Length > 0 && f.From == rep.From && f.To == rep.To;
                    match.Append(usage ? "lock_class+usage" : "lock_class");
                }
            }
        }
        return t;
    }

    static IEnumerable<Report> Reports(TraceResult r)
    {
        var table = r.Tables.FirstOrDefault(t => t.Name == "lockdep_reports");
        if (table is null) yield break;
        for (int i = 0; i < table.RowCount; i++)
            yield return new Report(r.Input.Name, Long(table, "line", i) ?? 0, Str(table, "title", i), Str(table, "lock_class", i),
                Usage(Str(table, "usage_from", i)), Usage(Str(table, "usage_to", i)));
    }

    static IEnumerable<Finding> Findings(TraceResult r)
    {
        foreach (var (name, kindColumn) in new[] { ("lock_findings", "kind"), ("unsafe_frees", "rule") })
        {
            var table = r.Tables.FirstOrDefault(t => t.Name == name);
            if (table is null) continue;
            bool hasUsage = table.Columns.Any(c => c.Name == "usage_from");
            for (int i = 0; i < table.RowCount; i++)
                yield return new Finding(r.Input.Name, name, Str(table, kindColumn, i), Str(table, "lock_class", i),
                    hasUsage ? Usage(Str(table, "usage_from", i)) : "", hasUsage ? Usage(Str(table, "usage_to", i)) : "",
                    Long(table, "ts_ns", i));
        }
    }

    /// <summary>Findings print "{SOFTIRQ-ON-W}", console reports "SOFTIRQ-ON-W": compare without braces.</summary>
    static string Usage(string s) => s.Trim('{', '}');

    static string Str(ReportTable t, string column, int row)
        => t.Columns.FirstOrDefault(c => c.Name == column) is Column<string?> c && !c.IsNull(row) ? c[row] ?? "" : "";

    static long? Long(ReportTable t, string column, int row) => t.Columns.FirstOrDefault(c => c.Name == column) switch
    {
        Column<long> c when !c.IsNull(row) => c[row],
        Column<int> c when !c.IsNull(row) => c[row],
        _ => null,
    };
}
