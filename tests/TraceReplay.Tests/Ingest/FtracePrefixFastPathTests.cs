namespace TraceReplay.Tests.Ingest;

/// <summary>
/// The reader re-uses the last line's parsed prefix when a line repeats its bytes up to the timestamp, and converts
/// short timestamps 8 digits at a time (fast paths). Lines that differ from the one before in a single prefix byte,
/// or whose timestamp has an unusual shape, must give what a first-seen line gives: expected values read off the text.
/// </summary>
public sealed class FtracePrefixFastPathTests
{
    [Fact]
    public void EachPrefixColumnChangingAloneIsSeen()
    {
        const string payload = ": ev_p: x=1 padding=to_make_the_line_long\n";
        string text =
            "  task-1     [000] ..... 100.000001" + payload
            + "  task-1     [000] ..... 100.000002" + payload   // identical prefix
            + "  task-1     [001] ..... 100.000003" + payload   // cpu
            + "  task-2     [001] ..... 100.000004" + payload   // pid
            + "  tasc-2     [001] ..... 100.000005" + payload   // comm
            + "  tasc-2     [001] ....1 100.000006" + payload   // migrate-disable, the byte before the timestamp's space
            + "  tasc-2     [001] d...1 100.000007" + payload   // irqs-off
            + "  tasc-2     [001] d...1 100.000008" + payload
            + " xtasc-2     [001] d...1 100.000009" + payload   // first byte
            + " xtasc-2 (  7) [001] d...1 100.000010" + payload // tgid column appears
            + " xtasc-2 (  8) [001] d...1 100.000011" + payload  // tgid
            + " xtasc-2 (  8) [001]  d..1 100.000012" + payload; // flags one column further and narrower
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(12, rows.Count);
        var expected = new (int Cpu, int Pid, int Tgid, string Comm, string Flags, sbyte Migrate, bool IrqsOff)[]
        {
            (0, 1, -1, "task", ".....", 0, false), (0, 1, -1, "task", ".....", 0, false), (1, 1, -1, "task", ".....", 0, false),
            (1, 2, -1, "task", ".....", 0, false), (1, 2, -1, "tasc", ".....", 0, false), (1, 2, -1, "tasc", "....1", 1, false),
            (1, 2, -1, "tasc", "d...1", 1, true), (1, 2, -1, "tasc", "d...1", 1, true), (1, 2, -1, "xtasc", "d...1", 1, true),
            (1, 2, 7, "xtasc", "d...1", 1, true), (1, 2, 8, "xtasc", "d...1", 1, true), (1, 2, 8, "xtasc", "d..1", -1, true),
        };
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            Assert.Equal(expected[i], (r.Cpu, r.Pid, r.Tgid, r.Comm, r.Flags, r.MigrateDisable,
                (r.Context & TraceReplay.Core.Events.ContextBits.IrqsOff) != 0));
            Assert.Equal(100_000_000_000L + (i + 1) * 1000L, r.TsNs);
            Assert.Equal("ev_p", r.Event);
            Assert.Equal("x=1 padding=to_make_the_line_long", r.Payload);
        }
    }

    [Fact]
    public void RepeatedPrefixWithABrokenTimestampIsAnError()
    {
        // the same bytes up to the timestamp, but "100.0000x2:" is no timestamp: the line is not an event
        string text = "  task-1     [000] ..... 100.000001: ev_p: x=1 padding=to_make_the_line_long\n"
                      + "  task-1     [000] ..... 100.0000x2: ev_p: x=2 padding=to_make_the_line_long\n"
                      + "  task-1     [000] ..... 100.000003: ev_p: x=3 padding=to_make_the_line_long\n";
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal([1L, 3L], rows.Select(r => r.Line));
        Assert.Equal([100_000_001_000L, 100_000_003_000L], rows.Select(r => r.TsNs));
        var e = Assert.Single(reader.Errors.Stored);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void RepeatedTaskAndCpuFollowedByNoFlagsFallsBackToTheNextBracket()
    {
        // the bytes up to "[000]" repeat, but what follows is no flags column: the '[' after it holds the CPU,
        // and the comm runs up to that task's "-pid", as for a first-seen line
        string text = "  task-1     [000] ..... 100.000001: ev_p: x=1\n"
                      + "  task-1     [000] xx-2 [001] ..... 100.000002: ev_p: x=2\n";
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("task-1     [000] xx", 2, 1, 100_000_002_000L), (rows[1].Comm, rows[1].Pid, rows[1].Cpu, rows[1].TsNs));
        Assert.Equal(("task", 1, 0), (rows[0].Comm, rows[0].Pid, rows[0].Cpu));
    }

    [Theory]
    // short tokens (the vector path) and long ones (the digit loop), each with a long and a short rest of the line
    [InlineData("1.5:", 1_500_000_000L, false)]
    [InlineData("0.000000001:", 1L, false)]
    [InlineData("12310.337747:", 12_310_337_747_000L, false)]
    [InlineData("12310.337746767:", 12_310_337_746_767L, false)]
    [InlineData("87654321.12345678:", 87_654_321_123_456_780L, false)]
    [InlineData("123456789.9:", 123_456_789_900_000_000L, false)]
    [InlineData("9000000000.999999999:", 9_000_000_000_999_999_999L, false)]
    [InlineData("7:", 7L, true)]
    [InlineData("30057012021685:", 30_057_012_021_685L, true)]
    [InlineData("123456789012345:", 123_456_789_012_345L, true)]
    [InlineData("1234567890123456:", 1_234_567_890_123_456L, true)]
    [InlineData("123456789012345678:", 123_456_789_012_345_678L, true)]
    public void TimestampsOfEveryLength(string ts, long expectedNs, bool counter)
    {
        foreach (string rest in new[] { " ev_t: a=1 and_a_long_enough_payload_after_it", " ev_t: a=1" })
        {
            var (rows, reader) = IngestTestUtil.ReadText("  task-1     [000] ..... " + ts + rest + "\n");
            Assert.Equal(0, reader.Errors.Total);
            var r = Assert.Single(rows);
            Assert.Equal(expectedNs, r.TsNs);
            Assert.Equal(counter, reader.Info.CounterClock);
            Assert.Equal("ev_t", r.Event);
        }
    }

    [Theory]
    [InlineData("12310.3377470000:")]   // 10 fraction digits
    [InlineData("9000000001.5:")]       // seconds beyond any ns clock
    [InlineData("12310.:")]             // no fraction digits
    [InlineData("12310.337747:x")]      // no space after the ':'
    [InlineData("1234567890123456789:")] // 19-digit counter
    [InlineData("12310.33a747:")]
    public void MalformedTimestampsAreNotEvents(string ts)
    {
        foreach (string rest in new[] { " ev_t: a=1 and_a_long_enough_payload_after_it", " ev_t: a=1" })
        {
            var (rows, reader) = IngestTestUtil.ReadText("  task-1     [000] ..... " + ts + rest + "\n");
            Assert.Empty(rows);
            Assert.Equal(1, reader.Errors.Total);
        }
    }

    [Fact]
    public void FlagsColumnBytesAreExactlyTheKernelLetters()
    {
        // every byte in the middle of a flags column: only these (kernel.md section 4, plus hex depth digits) make one
        const string letters = ".dDbXNnpBLlhHsZz0123456789abcdef";
        for (int b = 0; b < 256; b++)
        {
            byte[] token = [(byte)'.', (byte)'.', (byte)b, (byte)'.', (byte)'.'];
            Assert.True(letters.Contains((char)b) == TraceReplay.Ingest.Ftrace.FtraceFlags.IsFlagsToken(token), "byte " + b);
        }
    }
}
