using System.IO.Compression;
using TraceReplay.Core.Events;
using TraceReplay.Ingest;

namespace TraceReplay.Tests.TraceDat;

/// <summary>TraceOpener picks the trace.dat reader by magic bytes, also inside a gzip wrapper (large_v6.dat.gz style).</summary>
public class TraceDatOpenerTests
{
    [Fact]
    public void Opener_reads_plain_and_gzip_wrapped_trace_dat_alike()
    {
        string plain = TraceDatFixtures.DatPath("small_v6");
        string gz = Path.Combine(Path.GetTempPath(), $"tracedat-opener-{Environment.ProcessId}.bin");
        using (var input = File.OpenRead(plain))
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
            input.CopyTo(output);
        try
        {
            var (plainRows, plainInfo) = Count(plain);
            var (gzRows, gzInfo) = Count(gz);
            Assert.Equal(13290, plainRows); // shared/traces/real/MANIFEST.md: small_v6.dat holds 13,290 events
            Assert.Equal(plainRows, gzRows);
            Assert.Equal(TraceFormat.TraceDat, gzInfo.Format);
            Assert.Equal("gzip", gzInfo.Compression);
            Assert.Equal("dat-v6", plainInfo.Variant);
        }
        finally
        {
            File.Delete(gz);
        }
    }

    static (long Rows, TraceInfo Info) Count(string path)
    {
        using var reader = TraceOpener.Open(path, Path.GetFileName(path));
        var chunk = new EventChunk();
        long rows = 0;
        while (reader.Read(chunk))
            rows += chunk.Count;
        return (rows, reader.Info);
    }
}
