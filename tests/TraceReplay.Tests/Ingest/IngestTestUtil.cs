using System.IO.Compression;
using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;

namespace TraceReplay.Tests.Ingest;

/// <summary>One event copied out of a chunk, for assertions.</summary>
public sealed record EventRow(long Seq, long Line, long Offset, long TsNs, int Cpu, int Pid, int Tgid, string Comm, string Event,
    EventKind Kind, string Flags, ContextBits Context, byte NeedResched, sbyte PreemptDepth, sbyte MigrateDisable, string Payload,
    IReadOnlyDictionary<string, (FieldType Type, long Value, string Text)> Fields);

public static class IngestTestUtil
{
    public static Stream OpenFixture(string name)
    {
        var s = File.OpenRead(TestData.Path("ingest/" + name));
        return name.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(s, CompressionMode.Decompress) : s;
    }

    public static byte[] FixtureBytes(string name)
    {
        using var s = OpenFixture(name);
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    public static (List<EventRow> Rows, FtraceTextReader Reader) ReadAll(byte[] text, int chunkCapacity = 1000)
        => ReadAll(new MemoryStream(text), chunkCapacity);

    public static (List<EventRow> Rows, FtraceTextReader Reader) ReadAll(Stream s, int chunkCapacity = 1000)
    {
        var reader = new FtraceTextReader(s, new TraceInfo("t", "t"));
        var chunk = new EventChunk(chunkCapacity);
        var rows = new List<EventRow>();
        while (reader.Read(chunk))
            for (int i = 0; i < chunk.Count; i++)
                rows.Add(Copy(chunk, reader, i));
        return (rows, reader);
    }

    public static (List<EventRow> Rows, FtraceTextReader Reader) ReadText(string text) => ReadAll(Encoding.UTF8.GetBytes(text));

    static EventRow Copy(EventChunk c, FtraceTextReader r, int i)
    {
        var fields = new Dictionary<string, (FieldType, long, string)>();
        for (int f = c.FieldStart[i]; f < c.FieldStart[i] + c.FieldCount[i]; f++)
            fields[r.Names[c.FieldKey[f]]] = (c.FieldTypes[f], c.FieldValue[f], Encoding.UTF8.GetString(c.FieldText(f)));
        return new EventRow(c.Seq[i], c.Line[i], c.ByteOffset[i], c.TsNs[i], c.Cpu[i], c.Pid[i], c.Tgid[i], r.Names[c.Comm[i]],
            r.Names[c.Event[i]], c.Kind[i], r.Names[c.Flags[i]], c.Context[i], c.NeedResched[i], c.PreemptDepth[i], c.MigrateDisable[i],
            Encoding.UTF8.GetString(c.Payload(i)), fields);
    }
}
