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
        string? traceCmd = TraceDatReportOracleTests.FindOnPath("trace-cmd");
        if (traceCmd is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "trace-cmd is not installed (apt-get install -y trace-cmd)");
            return;
        }
        string path = TestData.Path("tracedat/drops_v7zstd.dat");
        var (actual, reader, _) = TraceDatFixtures.Render(path, mode);
        using (reader)
        {
            Assert.Equal(0, reader.Errors.Total);
            // As in TraceDatReportOracleTests: trace-cmd's own output varies now and then, so up to three runs of it.
            Exception? last = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                var expected = await TraceDatReportOracleTests.RunReport(traceCmd, path, mode);
                Assert.Equal(20, expected.Count(l => l.Contains("EVENTS DROPPED]", StringComparison.Ordinal)));
                try
                {
                    TraceDatReportOracleTests.AssertSameLines(expected, actual);
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
}
