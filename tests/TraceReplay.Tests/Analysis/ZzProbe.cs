namespace TraceReplay.Tests.Analysis;
public sealed class ZzProbe
{
    [Fact]
    public void Probe()
    {
        var f = Environment.GetEnvironmentVariable("PROBE_FILE");
        if (f is null) return;
        var (reports, set, events) = AnalysisRun.Run(f);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{f}: events {events}");
        foreach (var t in reports.Where(r => r.Name is "unsafe_frees" or "lock_findings" or "lock_usage" or "rcu_barriers" or "anomalies" or "summary"))
        {
            sb.AppendLine($"{t.Name}: {t.RowCount}");
            for (int i = 0; i < Math.Min(t.RowCount, 12); i++)
                sb.AppendLine("  " + string.Join(" | ", t.Columns.Select(c => c.Name + "=" + (c.IsNull(i) ? "null" : c switch { TraceReplay.Core.Tables.Column<string?> s => s[i], TraceReplay.Core.Tables.Column<long> l => l[i].ToString(), TraceReplay.Core.Tables.Column<int> n => n[i].ToString(), TraceReplay.Core.Tables.Column<bool> b => b[i].ToString(), _ => "?" }))));
        }
        foreach (var kv in set.UnsafeFrees.Checked) sb.AppendLine($"checked {kv.Key} {kv.Value}");
        File.WriteAllText("/tmp/probe.txt", sb.ToString());
    }
}
