using System.IO.Compression;
using System.Text;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>Ring-buffer page decoding (tracedat.md §4.9) on pages built byte by byte: every type_len case, commit flags, lost counts, endianness, long size, compressed chunks.</summary>
public class TraceDatPageTests
{
    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Page with data(1..28), time extend, long (type 0) event, discarded padding, absolute stamp, end padding.</summary>
    static (byte[] Events, (ulong Ts, int Len)[] Expected) AllTypes(DatBuilder b, ulong pageTs)
    {
        var rec = b.Record(4242, 7);
        var events = Concat(
            b.Header(3, 5), rec,                                   // data, 12 bytes: ts +5
            b.Header(30, 3), b.U32(1),                             // time extend: ts += (1 << 27) + 3
            b.Header(0, 2), b.U32(4 + 12), rec,                    // type 0: array[0] = len + 4
            b.Header(29, 7), b.U32(12), new byte[8],               // discarded event: skip 4 + array[0] (array + 8 bytes), ts += 7
            b.Header(31, 0x123), b.U32(2),                         // absolute: ts = 2 << 27 | 0x123
            b.Header(3, 1), rec,                                   // data: ts +1
            b.Header(29, 0));                                      // padding, delta 0: rest of page unused
        ulong t1 = pageTs + 5;
        ulong t2 = t1 + (1UL << 27) + 3 + 2;
        ulong t3 = (2UL << 27 | 0x123) + 1;
        return (events, [(t1, 12), (t2, 12), (t3, 12)]);
    }

    [Theory]
    [InlineData(false, 8)]
    [InlineData(true, 8)]
    [InlineData(false, 4)]
    [InlineData(true, 4)]
    public void Every_type_len_case_decodes_to_the_built_timestamps(bool bigEndian, int longSize)
    {
        var b = new DatBuilder(bigEndian, longSize);
        var (events, expected) = AllTypes(b, 1000);
        b.AddPage(1000, events);
        var file = new MemoryStream(b.Build());
        var errors = new IngestErrorLog("t");
        var s = new CpuStream(0, "", 0, file, new DatEndian(bigEndian), longSize, b.PageSize, new DatCpuData(0, FlyrecordOffset(file, b), b.PageSize), false, "none", errors);
        foreach (var (ts, len) in expected)
        {
            Assert.True(s.MoveNext());
            Assert.Equal(ts, s.RawTs);
            Assert.Equal(len, s.RecordLength);
            Assert.False(s.LostBefore);
        }
        Assert.False(s.MoveNext());
        Assert.Equal(0, errors.Total);
    }

    /// <summary>The builder puts the (single) page at the end of the file.</summary>
    static long FlyrecordOffset(MemoryStream file, DatBuilder b) => file.Length - b.PageSize;

    [Theory]
    [InlineData(false, 8)]
    [InlineData(true, 4)]
    public void Reader_emits_rows_lost_markers_and_fields_from_a_built_file(bool bigEndian, int longSize)
    {
        var b = new DatBuilder(bigEndian, longSize);
        b.AddPage(1_000_000, Concat(b.Header(3, 10), b.Record(4242, 1, flags: 0x01, preempt: 0x12), b.Header(3, 10), b.Record(0, -2)));
        b.AddPage(2_000_000, Concat(b.Header(3, 0), b.Record(99, 3, flags: 0x10)), missed: true, storedLost: 5);
        b.AddPage(3_000_000, Concat(b.Header(3, 1), b.Record(4242, 4)), missed: true);
        var info = new TraceInfo("built", "built");
        using var reader = new TraceDatReader(new MemoryStream(b.Build()), info);
        var chunk = new EventChunk();
        Assert.True(reader.Read(chunk));
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(6, chunk.Count);
        var n = reader.Names;
        string[] events = Enumerable.Range(0, 6).Select(i => n[chunk.Event[i]]).ToArray();
        Assert.Equal(["test_ev", "test_ev", "lost_events", "test_ev", "lost_events", "test_ev"], events);
        Assert.Equal([1_000_010L, 1_000_020, 2_000_000, 2_000_000, 3_000_001, 3_000_001], chunk.TsNs[..6]);
        Assert.Equal(["tester", "<idle>", "<...>"], new[] { n[chunk.Comm[0]], n[chunk.Comm[1]], n[chunk.Comm[3]] });
        Assert.Equal("value=1", Encoding.UTF8.GetString(chunk.Payload(0)));
        Assert.Equal("value=-2", Encoding.UTF8.GetString(chunk.Payload(1)));
        Assert.True(chunk.TryGetValue(1, n.Intern("value"), out long v));
        Assert.Equal(-2, v);
        Assert.Equal(EventKind.Lost, chunk.Kind[2]);
        Assert.True(chunk.TryGetValue(2, n.Intern("count"), out long lost));
        Assert.Equal(5, lost);
        Assert.True(chunk.TryGetValue(4, n.Intern("count"), out long unknown));
        Assert.Equal(-1, unknown);
        Assert.Equal("d..21", n[chunk.Flags[0]]);
        Assert.Equal(ContextBits.Known | ContextBits.IrqsOff, chunk.Context[0]);
        Assert.Equal(2, chunk.PreemptDepth[0]);
        Assert.Equal(1, chunk.MigrateDisable[0]);
        Assert.Equal("..s..", n[chunk.Flags[3]]);
        Assert.Equal(2, info.LostMarkers);
        Assert.Equal(5, info.LostEvents);
        Assert.Equal("dat-v6", info.Variant);
    }

    [Fact]
    public void Event_running_past_commit_is_reported_with_the_page_offset_and_the_next_page_is_read()
    {
        var b = new DatBuilder(false, 8);
        b.AddPage(100, Concat(b.Header(3, 1), b.Record(1, 1), b.Header(28, 1))); // type_len 28 = 112 bytes, not there
        b.AddPage(200, Concat(b.Header(3, 1), b.Record(1, 2)));
        var bytes = b.Build();
        long firstPage = bytes.Length - 2 * b.PageSize;
        var info = new TraceInfo("bad", "bad");
        using var reader = new TraceDatReader(new MemoryStream(bytes), info);
        var chunk = new EventChunk();
        Assert.True(reader.Read(chunk));
        Assert.Equal(2, chunk.Count);
        Assert.Equal(201, chunk.TsNs[1]);
        var e = Assert.Single(reader.Errors.Stored);
        Assert.Equal(0, e.Line);
        Assert.Equal(firstPage, e.ByteOffset);
        Assert.Contains("past commit", e.Reason);
    }

    [Theory]
    [InlineData("zlib")]
    [InlineData("zstd")]
    public void Compressed_chunks_decode_like_the_plain_pages(string algorithm)
    {
        var b = new DatBuilder(false, 8);
        var (events, expected) = AllTypes(b, 5000);
        var page = new byte[b.PageSize];
        b.U64(5000).CopyTo(page, 0);
        b.U64((ulong)events.Length).CopyTo(page, 8);
        events.CopyTo(page, 16);
        byte[] compressed;
        if (algorithm == "zlib")
        {
            var ms = new MemoryStream();
            using (var z = new ZLibStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
                z.Write(page);
            compressed = ms.ToArray();
        }
        else
            compressed = new ZstdSharp.Compressor(3).Wrap(page).ToArray();
        var block = Concat(b.U32(1), b.U32((uint)compressed.Length), b.U32((uint)page.Length), compressed);
        var errors = new IngestErrorLog("c");
        var s = new CpuStream(0, "", 0, new MemoryStream(block), new DatEndian(false), 8, b.PageSize, new DatCpuData(0, 0, block.Length - 4), true, algorithm, errors);
        foreach (var (ts, len) in expected)
        {
            Assert.True(s.MoveNext());
            Assert.Equal(ts, s.RawTs);
            Assert.Equal(len, s.RecordLength);
        }
        Assert.False(s.MoveNext());
        Assert.Equal(0, errors.Total);
    }

    [Fact]
    public void Unparseable_print_fmt_prints_failed_to_parse_with_raw_fields_and_is_reported_once()
    {
        var b = new DatBuilder(false, 8, printFmt: "\"v=%d\", __no_such_helper(REC->value)");
        b.AddPage(10, Concat(b.Header(3, 1), b.Record(1, 7), b.Header(3, 1), b.Record(1, 8)));
        var bytes = b.Build();
        var info = new TraceInfo("f", "f");
        using var reader = new TraceDatReader(new MemoryStream(bytes), info);
        var chunk = new EventChunk();
        Assert.True(reader.Read(chunk));
        Assert.Equal(2, chunk.Count);
        Assert.Equal("[FAILED TO PARSE] value=7", Encoding.UTF8.GetString(chunk.Payload(0)));
        Assert.Equal(1, chunk.FieldCount[0]);
        Assert.True(chunk.TryGetValue(1, reader.Names.Intern("value"), out long v));
        Assert.Equal(8, v);
        var e = Assert.Single(reader.Errors.Stored);
        Assert.Equal(bytes.Length - b.PageSize, e.ByteOffset);
        Assert.Contains("__no_such_helper", e.Reason);
    }
}
