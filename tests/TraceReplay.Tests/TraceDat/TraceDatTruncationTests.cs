using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>A v7 file keeps its options at the end: cut off, the offsets it reads point past the end, and say so.</summary>
public sealed class TraceDatTruncationTests
{
    [Fact]
    public void CutOffV7FileNamesTheOffsetPastTheEnd()
    {
        byte[] bytes = TraceDatFixtures.DatBytes("small_v7zstd").AsSpan(0, 300_000).ToArray();
        var info = new TraceInfo("cut", "cut");
        using var reader = new TraceDatReader(new MemoryStream(bytes, writable: false), info);
        var chunk = new EventChunk(1024);
        while (reader.Read(chunk)) { }
        var pastEnd = Assert.Single(reader.Errors.Stored, e => e.Reason.Contains("lies past the end of the data (300000 bytes); truncated file?", StringComparison.Ordinal));
        Assert.True(pastEnd.ByteOffset >= 300_000, $"offset {pastEnd.ByteOffset}");
    }
}
