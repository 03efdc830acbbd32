using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>
/// Seeded corruption of real files: byte flips in headers/metadata and in pages, and truncation. The reader must
/// never throw, always finish (bounded by a timeout), and report problems with a byte offset inside the file.
/// </summary>
public class TraceDatFuzzTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static IEnumerable<object[]> Cases()
    {
        foreach (var f in new[] { "small_v7zstd", "small_v6", "trappy_9ebbd97_tests_trace_v6_arm32" })
            foreach (var kind in new[] { "header", "pages", "truncate" })
                yield return [f, kind];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Corrupted_file_never_crashes_or_hangs_and_errors_carry_offsets(string fixture, string kind)
    {
        byte[] original = TraceDatFixtures.DatBytes(fixture);
        // A fixed seed (HashCode.Combine is randomised per process, which made the runs differ).
        var rng = new Random(20261126 + fixture.Length * 31 + kind.Length);
        int reportedRuns = 0;
        for (int iter = 0; iter < 6; iter++)
        {
            byte[] bytes;
            switch (kind)
            {
                case "header":
                    bytes = (byte[])original.Clone();
                    for (int k = 0; k < 4; k++)
                    {
                        // the first 64 KiB hold the header and metadata; v7 keeps its options at the end
                        int at = rng.Next(3) switch
                        {
                            0 => rng.Next(256), // initial header, header_page
                            1 => rng.Next(Math.Min(bytes.Length, 65536)),
                            _ => bytes.Length - 1 - rng.Next(Math.Min(bytes.Length, 8192)),
                        };
                        bytes[at] ^= (byte)(1 << rng.Next(8));
                    }
                    break;
                case "pages":
                    bytes = (byte[])original.Clone();
                    for (int k = 0; k < 64; k++)
                        bytes[65536 + rng.Next(bytes.Length - 65536 - 8192)] = (byte)rng.Next(256);
                    break;
                default:
                    bytes = original.AsSpan(0, rng.Next(original.Length)).ToArray();
                    break;
            }
            var run = Task.Run(() => ReadAll(bytes));
            var done = await Task.WhenAny(run, Task.Delay(Timeout));
            Assert.True(done == run, $"{fixture} {kind} iteration {iter}: reader did not finish within {Timeout}");
            var (errors, rows) = await run; // rethrows if the reader threw
            // deterministic: the same corrupt bytes give the same rows and the same errors in the same order
            var (errorsAgain, rowsAgain) = ReadAll(bytes);
            Assert.Equal(rows, rowsAgain);
            Assert.Equal(errors, errorsAgain);
            foreach (var e in errors)
            {
                Assert.Equal(0, e.Line);
                // a truncated file is reported at the offset its tables point to (beyond the new end, inside the original)
                Assert.InRange(e.ByteOffset, 0, kind == "truncate" ? original.Length : long.MaxValue);
                Assert.False(string.IsNullOrEmpty(e.Reason));
            }
            if (errors.Count > 0) reportedRuns++;
            if (kind == "truncate")
                Assert.True(errors.Count > 0, $"truncation to {bytes.Length} of {original.Length} bytes went unreported ({rows} rows)");
        }
        // flips inside format text can be silently plausible; broken pages and truncation must show up
        if (kind != "header")
            Assert.True(reportedRuns > 0, "no corruption was ever reported");
    }

    static (List<TraceReplay.Core.Diagnostics.IngestError> Errors, long Rows) ReadAll(byte[] bytes)
    {
        var info = new TraceInfo("fuzz", "fuzz");
        using var reader = new TraceDatReader(new MemoryStream(bytes, writable: false), info);
        var chunk = new EventChunk(2048);
        long rows = 0;
        while (reader.Read(chunk))
            rows += chunk.Count;
        return (reader.Errors.Stored.ToList(), rows);
    }
}
