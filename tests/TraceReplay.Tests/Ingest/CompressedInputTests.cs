using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Ingest;
using TraceReplay.Ingest.Input;

namespace TraceReplay.Tests.Ingest;

/// <summary>Wrappers told by content: xz and bzip2 are unwrapped; lz4, zip and raw binary are refused with a reason.</summary>
public sealed class CompressedInputTests
{
    const string Xz = "tracedat/DERIVED_trappy_raw_trace_v7_nocomp.dat.xz";
    const string Zst = "tracedat/DERIVED_trappy_raw_trace_v7_nocomp.dat.zst";

    [Fact]
    public void XzTraceDatGivesTheSameEventsAsItsZstdTwin()
    {
        var fromXz = Events(TestData.Path(Xz));
        var fromZst = Events(TestData.Path(Zst));
        Assert.Equal(757, fromZst.Count); // trace-cmd report of the same file: tracedat/DERIVED_trappy_raw_trace_v7_nocomp.report.txt.gz
        Assert.Equal(fromZst, fromXz);
        Assert.Equal(new DetectedInput(TraceFormat.TraceDat, "xz"), InputDetector.Detect(TestData.Path(Xz)));
    }

    [Fact]
    public void TruncatedXzKeepsWhatDecompressedAndReportsTheWrapper()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"trunc-{Guid.NewGuid():N}.dat.xz");
        var bytes = File.ReadAllBytes(TestData.Path(Xz));
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        try
        {
            using var reader = TraceOpener.Open(path, "trunc");
            var chunk = new EventChunk();
            long rows = 0;
            while (reader.Read(chunk)) rows += chunk.Count;
            var wrapper = Assert.Single(reader.Errors.Stored, e => e.Reason.StartsWith("xz data is corrupt or truncated after", StringComparison.Ordinal));
            Assert.True(wrapper.ByteOffset > 0);
            Assert.True(rows < 757);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bzip2TextIsUnwrapped()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"t-{Guid.NewGuid():N}.txt.bz2");
        // "BZh9" + an empty stream would not carry lines; build a real bzip2 file with the library's own writer.
        using (var file = File.Create(path))
        using (var bz = SharpCompress.Compressors.BZip2.BZip2Stream.Create(file, SharpCompress.Compressors.CompressionMode.Compress, false, false, false))
            bz.Write(Encoding.UTF8.GetBytes("# tracer: nop\n          <idle>-0       [001] d.s2.   100.000001: softirq_entry: vec=9 [action=RCU]\n"));
        try
        {
            Assert.Equal(new DetectedInput(TraceFormat.FtraceText, "bzip2"), InputDetector.Detect(path));
            using var reader = TraceOpener.Open(path, "bz");
            var chunk = new EventChunk();
            Assert.True(reader.Read(chunk));
            Assert.Equal(1, chunk.Count);
            Assert.Equal(100_000_001_000, chunk.TsNs[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x04, 0x22, 0x4d, 0x18, 1, 2, 3 }, "lz4-compressed file: not supported")]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0 }, "zip-compressed file: not supported")]
    public void UnsupportedWrappersAreUnknownWithAReason(byte[] head, string reason)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"w-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, head);
        try
        {
            var detected = InputDetector.Detect(path);
            Assert.Equal(TraceFormat.Unknown, detected.Format);
            Assert.StartsWith(reason, detected.Problem);
            var e = Assert.Throws<InvalidDataException>(() => TraceOpener.Open(path, "w"));
            Assert.Contains(reason, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RawRingBufferBytesAreBinaryNotText()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"raw-{Guid.NewGuid():N}");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[0] = (byte)'a'; bytes[1] = (byte)'b'; bytes[2] = (byte)'c'; bytes[3] = 0;
        File.WriteAllBytes(path, bytes);
        try
        {
            var detected = InputDetector.Detect(path);
            Assert.Equal(TraceFormat.Unknown, detected.Format);
            Assert.Equal("binary content (byte 0x00 at offset 3) that is neither trace.dat nor text", detected.Problem);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFewStrayNulsInAConsoleLogKeepItText()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 50; i++) text.Append($"[   {i}.000000] usb 1-1: new device {i}\n");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        bytes[100] = 0; bytes[500] = 0; // serial line noise
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"log-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, bytes);
        try
        {
            Assert.Equal(TraceFormat.ConsoleLog, InputDetector.Detect(path).Format);
        }
        finally
        {
            File.Delete(path);
        }
    }

    static List<string> Events(string path)
    {
        using var reader = TraceOpener.Open(path, "t");
        var rows = new List<string>();
        var chunk = new EventChunk();
        while (reader.Read(chunk))
            for (int i = 0; i < chunk.Count; i++)
                rows.Add($"{chunk.TsNs[i]} {chunk.Cpu[i]} {chunk.Pid[i]} {reader.Names[chunk.Comm[i]]} {reader.Names[chunk.Event[i]]} {Encoding.UTF8.GetString(chunk.Payload(i))}");
        return rows;
    }
}
