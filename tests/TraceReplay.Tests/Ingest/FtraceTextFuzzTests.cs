using System.IO.Compression;
using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Ingest;

namespace TraceReplay.Tests.Ingest;

/// <summary>
/// Seeded mutations of real traces (truncation, byte flips, line splicing) and hostile stream behaviour (1-byte reads,
/// tiny chunks, lines longer than the buffer): the reader never throws, every line is accounted for, and every row
/// and error names the line number and byte offset that really hold it in the mutated input.
/// </summary>
public sealed class FtraceTextFuzzTests
{
    static byte[] Corpus()
    {
        // kernel text (5-char flags), latency format with stack traces, function_graph, trace-cmd report -l
        var parts = new[]
        {
            Take(IngestTestUtil.FixtureBytes("paired_small.trace.txt.gz"), 1500),
            IngestTestUtil.FixtureBytes("sample_trace_6.18_memcg_free.txt"),
            Take(IngestTestUtil.FixtureBytes("perftools_funcgraph_example.txt"), 400),
            Take(IngestTestUtil.FixtureBytes("paired_small_v7.report-l.txt.gz"), 300),
            IngestTestUtil.FixtureBytes("perfetto_bad_print.systrace"),
        };
        return parts.SelectMany(p => p).ToArray();
    }

    static byte[] Take(byte[] text, int lines)
    {
        int n = 0, i = 0;
        for (; i < text.Length && n < lines; i++)
            if (text[i] == '\n') n++;
        return text[..i];
    }

    static List<byte[]> SplitLines(byte[] text)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { lines.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    static byte[] Mutate(byte[] corpus, Random rng)
    {
        var lines = SplitLines(corpus);
        switch (rng.Next(3))
        {
            case 0: // truncation at a random byte
                return corpus[..rng.Next(corpus.Length)];
            case 1: // byte flips, including into '\n', '\r', ':' , '[' and non-UTF-8 bytes
            {
                var b = (byte[])corpus.Clone();
                byte[] specials = [(byte)'\n', (byte)'\r', (byte)':', (byte)'[', (byte)']', (byte)' ', (byte)'-', (byte)'=', 0xff, 0x00, (byte)'|', (byte)')'];
                for (int k = 0; k < 200; k++)
                    b[rng.Next(b.Length)] = rng.Next(2) == 0 ? specials[rng.Next(specials.Length)] : (byte)rng.Next(256);
                return b;
            }
            default: // splicing: a line cut at a random point and joined to another random line's tail
            {
                var outLines = new List<byte[]>();
                foreach (var l in lines)
                {
                    if (rng.Next(10) == 0)
                    {
                        var other = lines[rng.Next(lines.Count)];
                        outLines.Add([.. l[..rng.Next(l.Length)], .. other[rng.Next(other.Length)..]]);
                    }
                    else outLines.Add(l);
                }
                return outLines.SelectMany(x => x).ToArray();
            }
        }
    }

    /// <summary>Line number of the line starting at <paramref name="offset"/>, counted here from the raw bytes.</summary>
    static long LineAt(byte[] text, long offset, out bool startsLine)
    {
        startsLine = offset == 0 || (offset <= text.Length && text[offset - 1] == '\n');
        long line = 1;
        for (long i = 0; i < offset && i < text.Length; i++)
            if (text[i] == '\n') line++;
        return line;
    }

    static void CheckInvariants(byte[] input, List<EventRow> rows, TraceReplay.Core.Diagnostics.IngestErrorLog errors, TraceInfo info)
    {
        long lines = input.Count(b => b == (byte)'\n') + (input.Length > 0 && input[^1] != (byte)'\n' ? 1 : 0);
        Assert.Equal(lines, info.TotalLines);
        Assert.Equal(info.TotalLines, info.Events + errors.Total + info.HeaderLines + info.BlankLines + info.ContinuationLines);
        // spot-check positions (full check is quadratic): every error, and a sample of rows
        foreach (var e in errors.Stored)
        {
            Assert.Equal(e.Line, LineAt(input, e.ByteOffset, out bool starts));
            Assert.True(starts, $"error offset {e.ByteOffset} is not a line start");
        }
        for (int i = 0; i < rows.Count; i += Math.Max(1, rows.Count / 50))
        {
            Assert.Equal(rows[i].Line, LineAt(input, rows[i].Offset, out bool starts));
            Assert.True(starts);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void MutatedTracesNeverThrowAndReportTrueLineNumbers(int seed)
    {
        var corpus = Corpus();
        var rng = new Random(seed);
        for (int round = 0; round < 12; round++)
        {
            var input = Mutate(corpus, rng);
            var (rows, reader) = IngestTestUtil.ReadAll(new TrickleStream(input, new Random(seed * 100 + round)), chunkCapacity: 1 + rng.Next(300));
            CheckInvariants(input, rows, reader.Errors, reader.Info);
        }
    }

    [Fact]
    public void ByteAtATimeStreamAndTinyChunksGiveTheSameRows()
    {
        var corpus = Corpus();
        var (expected, r1) = IngestTestUtil.ReadAll(corpus, chunkCapacity: 16384);
        var (actual, r2) = IngestTestUtil.ReadAll(new TrickleStream(corpus, null), chunkCapacity: 1);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Line, expected[i].Offset, expected[i].TsNs, expected[i].Event, expected[i].Payload),
                (actual[i].Line, actual[i].Offset, actual[i].TsNs, actual[i].Event, actual[i].Payload));
            Assert.Equal(expected[i].Fields, actual[i].Fields);
        }
        Assert.Equal(r1.Errors.Total, r2.Errors.Total);
        Assert.True(r1.Info.ContinuationLines > 100); // stack frames crossed chunk boundaries with capacity 1
    }

    [Fact]
    public void LinesLongerThanTheBufferAndOverlongLines()
    {
        var prefix = "     cgchurn.sh-11784   [001] ..... 12300.851503: tracing_mark_write: ";
        var longPayload = new string('x', 3 << 20); // 3 MB: longer than the 1 MB starting buffer
        var text = "# tracer: nop\n" + prefix + longPayload + "\n" + "garbage" + new string('y', 17 << 20) + "\n" + prefix + "after\n";
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(2, rows.Count);
        Assert.Equal(longPayload, rows[0].Fields["buf"].Text);
        Assert.Equal(4, rows[1].Line);
        Assert.Equal("after", rows[1].Fields["buf"].Text);
        var e = Assert.Single(reader.Errors.Stored);
        Assert.Equal(3, e.Line);
        Assert.StartsWith("line longer than", e.Reason);
        Assert.Equal(4, reader.Info.TotalLines);
    }

    [Fact]
    public void GzipAndZstdAreDetectedByContentAndTruncatedArchivesAreReported()
    {
        var text = Take(IngestTestUtil.FixtureBytes("paired_small.trace.txt.gz"), 500);
        string dir = Path.Combine(Path.GetTempPath(), "tracereplay-ingest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var gz = Path.Combine(dir, "trace.noext");
            using (var f = File.Create(gz))
            using (var z = new GZipStream(f, CompressionLevel.Fastest))
                z.Write(text);
            var zst = Path.Combine(dir, "trace.txt");
            File.WriteAllBytes(zst, new ZstdSharp.Compressor(3).Wrap(text).ToArray());
            foreach (var (path, compression) in new[] { (gz, "gzip"), (zst, "zstd") })
            {
                using var reader = TraceOpener.Open(path, "t");
                var chunk = new EventChunk();
                long n = 0;
                while (reader.Read(chunk)) n += chunk.Count;
                Assert.Equal(488, n); // 500 lines minus the 12-line header
                Assert.Equal(compression, reader.Info.Compression);
                Assert.Equal(0, reader.Errors.Total);
            }
            // a truncated zstd and gzip stream: events before the cut survive, the cut is reported, nothing throws
            foreach (var path in new[] { gz, zst })
            {
                var bytes = File.ReadAllBytes(path);
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                using var reader = TraceOpener.Open(path, "t");
                var chunk = new EventChunk();
                long n = 0;
                while (reader.Read(chunk)) n += chunk.Count;
                // gzip decodes up to the cut; this small zstd file is one block, so nothing before the cut is decodable
                Assert.InRange(n, path == gz ? 1 : 0, 487);
                Assert.True(reader.Errors.Total >= 1, path + " truncation not reported");
                Assert.Contains(reader.Errors.Stored, e => e.Reason.StartsWith("input stream error", StringComparison.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Returns at most a few bytes per Read (1 when no rng is given).</summary>
    sealed class TrickleStream(byte[] data, Random? rng) : Stream
    {
        int _pos;
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, data.Length - _pos), rng is null ? 1 : 1 + rng.Next(4096));
            data.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
