using System.Diagnostics;
using System.Globalization;
using System.Text;
using TraceReplay.Core.Events;

namespace TraceReplay.Tests.TraceDat;

/// <summary>
/// Our rows, laid out like `trace-cmd report`, must equal trace-cmd 3.1.6's output line for line: ts, cpu, pid,
/// comm, event, payload (default and -t), flags (-l). Oracles are committed (tests/data/tracedat/*.report*.txt.gz,
/// made by trace-cmd, see MANIFEST.md) and, when trace-cmd is installed, re-made live.
/// </summary>
public class TraceDatReportOracleTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var f in TraceDatFixtures.All)
            foreach (var mode in new[] { "", "-l", "-t" })
                yield return [f, mode];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rows_equal_committed_trace_cmd_report(string fixture, string mode)
    {
        var expected = TraceDatFixtures.ReportLines(fixture, mode);
        var (actual, reader, _) = TraceDatFixtures.Render(TraceDatFixtures.DatPath(fixture), mode);
        using (reader)
        {
            Assert.Equal(0, reader.Errors.Total);
            AssertSameLines(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Rows_equal_live_trace_cmd_report(string fixture, string mode)
    {
        string? traceCmd = FindOnPath("trace-cmd");
        if (traceCmd is null)
        {
            // CI installs the Debian trace-cmd package; there its absence is a failure, locally the committed oracle suffices.
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "trace-cmd is not installed (apt-get install -y trace-cmd)");
            return;
        }
        string path = TraceDatFixtures.DatPath(fixture);
        var (actual, reader, _) = TraceDatFixtures.Render(path, mode);
        using (reader)
        {
            // trace-cmd 3.1.6 itself now and then prints a -t timestamp without its dot (about 1 run in 30 on the
            // trappy file): a mismatch is only ours if a second and third run of trace-cmd agree with the first.
            Exception? last = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                var expected = await RunReport(traceCmd, path, mode);
                try
                {
                    AssertSameLines(expected, actual);
                    return;
                }
                catch (Xunit.Sdk.XunitException e)
                {
                    last = e;
                }
            }
            throw last!;
        }
    }

    /// <summary>`trace-cmd report [mode] FILE`, its stdout lines (exit code checked).</summary>
    internal static async Task<List<string>> RunReport(string traceCmd, string path, string mode)
    {
        var psi = new ProcessStartInfo(traceCmd) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = new UTF8Encoding(false) };
        psi.ArgumentList.Add("report");
        if (mode.Length > 0) psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await p.StandardOutput.ReadLineAsync() is { } line)
            lines.Add(line);
        await p.WaitForExitAsync();
        await stderr;
        Assert.Equal(0, p.ExitCode);
        return lines;
    }

    /// <summary>
    /// Line-for-line equality. No differences are allowed on these files: the documented trace-cmd errors
    /// (tracedat.md: 32-bit v7 conversion, lazy-resched flag letters) do not occur in them — the 32-bit file is v6,
    /// and common_flags only take values that render identically (0x00 0x01 0x09 0x10 0x11 0x24 0x25 0x2d 0x34 0x35).
    /// Our Flags text follows trace-cmd -l; the decoded NeedResched/Context columns follow the kernel (see LatencyColumns test).
    /// </summary>
    internal static void AssertSameLines(List<string> expected, List<string> actual)
    {
        var diffs = new List<string>();
        int n = Math.Max(expected.Count, actual.Count);
        for (int i = 0; i < n && diffs.Count < 5; i++)
        {
            string e = i < expected.Count ? ReportLineFormatter.NormalizeReportLine(expected[i]) : "<missing>";
            string a = i < actual.Count ? actual[i] : "<missing>";
            if (e != a)
                diffs.Add($"line {i + 1}:\n  trace-cmd: {e}\n  ours:      {a}");
        }
        Assert.True(diffs.Count == 0, $"{expected.Count} expected lines, {actual.Count} ours\n" + string.Join("\n", diffs));
    }

    internal static string? FindOnPath(string exe)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, exe);
            if (File.Exists(p))
                return p;
        }
        return null;
    }
}
