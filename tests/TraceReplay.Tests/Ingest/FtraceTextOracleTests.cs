using System.Text;
using System.Text.RegularExpressions;
using TraceReplay.Core.Events;

namespace TraceReplay.Tests.Ingest;

/// <summary>
/// paired_small.trace.txt (kernel text) against independent oracles: a regex parse written here, and the
/// trace-cmd report outputs of its trace.dat twin (same ring-buffer contents).
/// </summary>
public sealed class FtraceTextOracleTests
{
    // (ts_us, cpu, pid, comm, event, flags) — the columns the acceptance criteria name
    static readonly Regex KernelLine = new(@"^\s*(.+)-(\d+)\s+\[(\d{3})\] (\S{5}) +(\d+)\.(\d{6}): ([^:]+):", RegexOptions.Compiled);
    static readonly Regex ReportLine = new(@"^\s*(.+)-(\d+)\s+\[(\d{3})\] +(\d+)\.(\d{6}): ([^:]+):", RegexOptions.Compiled);
    static readonly Regex ReportLatencyLine = new(@"^\s*(.{1,8})-(\d+)\s+(\d+)(\S{5}) (\d+)\.(\d{6}): ([^:]+):", RegexOptions.Compiled);

    static List<string> Lines(string fixture) =>
        Encoding.UTF8.GetString(IngestTestUtil.FixtureBytes(fixture)).Split('\n').Where(l => l.Length > 0).ToList();

    static (List<EventRow> Rows, int Errors) Read(string fixture)
    {
        var (rows, reader) = IngestTestUtil.ReadAll(IngestTestUtil.FixtureBytes(fixture), chunkCapacity: 777);
        return (rows, (int)reader.Errors.Total);
    }

    static string Key(long tsNs, int cpu, int pid, string comm, string ev, string flags) => $"{tsNs}|{cpu}|{pid}|{comm}|{ev}|{flags}";

    /// <summary>Kernel text's "tracing_mark_write:" is the ftrace print event that trace-cmd names "print".</summary>
    static string EventName(string printed) => printed == "tracing_mark_write" ? "print" : printed;

    [Fact]
    public void KernelTextMatchesAnIndependentRegexParseLineByLine()
    {
        var lines = Lines("paired_small.trace.txt.gz");
        var expected = new List<(int Line, string Key)>();
        for (int i = 0; i < lines.Count; i++)
        {
            var m = KernelLine.Match(lines[i]);
            if (!m.Success) { Assert.StartsWith("#", lines[i]); continue; }
            long ts = long.Parse(m.Groups[5].Value) * 1_000_000_000L + long.Parse(m.Groups[6].Value) * 1000;
            expected.Add((i + 1, Key(ts, int.Parse(m.Groups[3].Value), int.Parse(m.Groups[2].Value), m.Groups[1].Value,
                EventName(m.Groups[7].Value), m.Groups[4].Value)));
        }
        var (rows, errors) = Read("paired_small.trace.txt.gz");
        Assert.Equal(0, errors);
        Assert.Equal(23002, expected.Count); // entries-in-buffer stated by the header
        Assert.Equal(expected.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            Assert.Equal(expected[i].Line, r.Line);
            Assert.Equal(expected[i].Key, Key(r.TsNs, r.Cpu, r.Pid, r.Comm, r.Event, r.Flags));
        }
    }

    [Fact]
    public void KernelTextEqualsTraceCmdReportOfTheTwin()
    {
        // default report: full comm, no flags
        var report = new List<string>();
        foreach (var line in Lines("paired_small_v7.report.txt.gz"))
        {
            var m = ReportLine.Match(line);
            if (!m.Success) { Assert.StartsWith("cpus=", line); continue; }
            long ts = long.Parse(m.Groups[4].Value) * 1_000_000_000L + long.Parse(m.Groups[5].Value) * 1000;
            report.Add($"{ts}|{int.Parse(m.Groups[3].Value)}|{m.Groups[2].Value}|{m.Groups[1].Value}|{m.Groups[6].Value}");
        }
        // -l report: flags after the CPU digits, comm cut to 8
        var latency = new List<string>();
        foreach (var line in Lines("paired_small_v7.report-l.txt.gz"))
        {
            var m = ReportLatencyLine.Match(line);
            if (!m.Success) { Assert.StartsWith("cpus=", line); continue; }
            long ts = long.Parse(m.Groups[5].Value) * 1_000_000_000L + long.Parse(m.Groups[6].Value) * 1000;
            latency.Add($"{ts}|{int.Parse(m.Groups[3].Value)}|{m.Groups[2].Value}|{m.Groups[7].Value}|{m.Groups[4].Value}");
        }
        var (rows, _) = Read("paired_small.trace.txt.gz");
        var ours = rows.Select(r => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Comm}|{r.Event}").ToList();
        var oursWithFlags = rows.Select(r => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Event}|{r.Flags}").ToList();
        Assert.Equal(23002, report.Count);
        AssertSameMultiset(report, ours);
        AssertSameMultiset(latency, oursWithFlags);
    }

    [Fact]
    public void TraceCmdReportVariantsParseToTheSameEvents()
    {
        var (kernel, _) = Read("paired_small.trace.txt.gz");
        var (plain, e1) = Read("paired_small_v7.report.txt.gz");
        var (lat, e2) = Read("paired_small_v7.report-l.txt.gz");
        Assert.Equal(0, e1 + e2);
        AssertSameMultiset(kernel.Select(r => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Comm}|{r.Event}"), plain.Select(r => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Comm}|{r.Event}"));
        AssertSameMultiset(kernel.Select(r => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Event}|{r.Flags}|{r.PreemptDepth}"),
            lat.Select(r => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Event}|{r.Flags}|{r.PreemptDepth}"));
        Assert.All(lat, r => Assert.True(r.Comm.Length <= 8));
        // a field both sides print the same way: kmem ptr (kernel text bare hex, report 0x-prefixed or (nil))
        var kp = kernel.Where(r => r.Event == "kmem_cache_free").Select(r => r.Fields["ptr"].Value).Order().ToList();
        var pp = plain.Where(r => r.Event == "kmem_cache_free").Select(r => r.Fields["ptr"].Value).Order().ToList();
        Assert.Equal(kp, pp);
    }

    [Fact]
    public void TraceCmdReportExcerptsAgreeAcrossOptions()
    {
        // the first 3000 events of the same trace.dat printed with -t (ns), --ts-diff, -R and -N
        var (kernel, _) = Read("paired_small.trace.txt.gz");
        var (ns, _) = Read("paired_small_v7.report-t.head3000.txt.gz");
        var (diff, _) = Read("paired_small_v7.report-tsdiff.head3000.txt.gz");
        var (raw, _) = Read("paired_small_v7.report-R.head3000.txt.gz");
        var (noPlugins, _) = Read("paired_small_v7.report-N.head3000.txt.gz");
        Assert.Equal(3000, ns.Count);
        string Cols(EventRow r) => $"{r.TsNs}|{r.Cpu}|{r.Pid}|{r.Comm}|{r.Event}";
        var firstKernel = kernel.Take(3000).Select(Cols).ToList();
        // µs printing rounds ns (ts + 500) / 1000 (shared/docs/tracedat.md §5.1)
        var nsRounded = ns.Select(r => $"{(r.TsNs + 500) / 1000 * 1000}|{r.Cpu}|{r.Pid}|{r.Comm}|{r.Event}").ToList();
        Assert.Equal(firstKernel, nsRounded);
        Assert.Contains(ns, r => r.TsNs % 1000 != 0);
        Assert.Equal(firstKernel, diff.Select(Cols).ToList());
        Assert.Equal(firstKernel, raw.Select(Cols).ToList());
        Assert.Equal(firstKernel, noPlugins.Select(Cols).ToList());

        // raw x86-tsc clock, buffer prefix: default vs -l
        var (tsc, _) = Read("small_v7zstd_x86tsc.report.head3000.txt.gz");
        var (tscL, _) = Read("small_v7zstd_x86tsc.report-l.head3000.txt.gz");
        Assert.Equal(tsc.Select(r => (r.TsNs, r.Cpu, r.Pid, r.Event)), tscL.Select(r => (r.TsNs, r.Cpu, r.Pid, r.Event)));
        Assert.Equal(tsc.Select(r => r.Comm.Length > 8 ? r.Comm[..8] : r.Comm), tscL.Select(r => r.Comm));
        Assert.Equal(30057012021685L, tsc[0].TsNs);
    }

    static void AssertSameMultiset(IEnumerable<string> expected, IEnumerable<string> actual)
    {
        var counts = new Dictionary<string, int>();
        foreach (var e in expected) counts[e] = counts.GetValueOrDefault(e) + 1;
        foreach (var a in actual) counts[a] = counts.GetValueOrDefault(a) - 1;
        var diff = counts.Where(kv => kv.Value != 0).Take(5).Select(kv => $"{kv.Key} x{kv.Value}").ToList();
        Assert.True(diff.Count == 0, "multisets differ: " + string.Join("; ", diff));
    }
}
