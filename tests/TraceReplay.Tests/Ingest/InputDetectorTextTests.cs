using TraceReplay.Core.Events;
using TraceReplay.Ingest.Input;

namespace TraceReplay.Tests.Ingest;

public sealed class InputDetectorTextTests
{
    [Theory]
    [MemberData(nameof(FtraceTextAccountingTests.Fixtures), MemberType = typeof(FtraceTextAccountingTests))]
    public void EveryFtraceTextFixtureIsClassifiedAsFtraceText(string fixture)
    {
        var head = IngestTestUtil.FixtureBytes(fixture);
        Assert.Equal(TraceFormat.FtraceText, InputDetector.Classify(head.AsSpan(0, Math.Min(head.Length, 64 * 1024))));
    }

    [Fact]
    public void ConsoleLogStaysAConsoleLog()
    {
        var head = IngestTestUtil.FixtureBytes("syzkaller-report-116.txt");
        Assert.Equal(TraceFormat.ConsoleLog, InputDetector.Classify(head));
    }
}
