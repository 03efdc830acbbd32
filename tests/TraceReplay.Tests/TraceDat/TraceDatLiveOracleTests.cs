using System.Diagnostics;
using System.Text;

namespace TraceReplay.Tests.TraceDat;

/// <summary>
/// Files compared with trace-cmd run live only (their report would be a larger fixture than the file): drops_v7zstd.dat,
/// 415,542 events with 20 missed-events pages (14 with a count, 6 without), so the lost-event marker rows and the pages
/// around them are checked line for line, in all three report modes. CI installs trace-cmd; without it the test fails
/// in CI and passes locally.
/// </summary>
public sealed class TraceDatLiveOracleTests
{
    [Theory]
    [InlineData("")]
    [InlineData("-l")]
    [InlineData("-t")]
    public async Task DroppedEventsFileEqualsTraceCmdReport(string mode)
    {
        string? traceCmd = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "trace-cmd")).FirstOrDefault(File.Exists);
        if (traceCmd is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "trace-cmd is not installed (apt-get install -y trace-cmd)");
            return;
        }
        string path = TestData.Path("tracedat/drops_v7zstd.dat");
        var psi = new ProcessStartInfo(traceCmd) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = new UTF8Encoding(false) };
        psi.ArgumentList.Add("report");
        if (mode.Length > 0) psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var expected = new List<string>();
        while (await p.StandardOutput.ReadLineAsync() is { } line)
            expected.Add(ReportLineFormatter.NormalizeReportLine(line));
        await p.WaitForExitAsync();
        await stderr;
        Assert.Equal(0, p.ExitCode);

        var (actual, reader, _) = TraceDatFixtures.Render(path, mode);
        using (reader)
        {
            Assert.Equal(0, reader.Errors.Total);
            Assert.Equal(20, expected.Count(l => l.Contains("EVENTS DROPPED]", StringComparison.Ordinal)));
            int firstDiff = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], -1);
            Assert.True(firstDiff < 0 && expected.Count == actual.Count,
                $"{expected.Count} trace-cmd lines, {actual.Count} ours; first difference at line {firstDiff + 1}:\n  trace-cmd: {(firstDiff >= 0 ? expected[firstDiff] : "")}\n  ours:      {(firstDiff >= 0 ? actual[firstDiff] : "")}");
        }
    }
}
