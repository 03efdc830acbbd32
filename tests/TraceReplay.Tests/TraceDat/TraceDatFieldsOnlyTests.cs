using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>
/// PayloadText = false (analyze without the events table) must give every row the same columns and fields — keys,
/// types, values and texts — as the full rendering, only without the payload.
/// </summary>
public class TraceDatFieldsOnlyTests
{
    public static TheoryData<string> Fixtures() => new(TraceDatFixtures.All);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fields_only_rows_equal_the_fully_rendered_rows_on_every_fixture(string fixture)
    {
        string path = TraceDatFixtures.DatPath(fixture);
        var (rows, fieldsChecked) = Compare(() => File.OpenRead(path));
        Assert.True(rows > 0 && fieldsChecked > 0, $"{fixture}: nothing compared");
    }

    [Theory]
    // the field ends the payload: its trailing newline is dropped with the payload's
    [InlineData("\"%c\", REC->value")]
    [InlineData("\"v=%c\", REC->value")]
    // a literal or an unkeyed conversion ends the payload: the field keeps its newline
    [InlineData("\"v=%c end\", REC->value")]
    [InlineData("\"v=%c%d\", REC->value, 7")]
    [InlineData("\"v=%c%d\", REC->value, REC->value")]
    public void A_trailing_newline_is_cut_from_the_same_fields_as_with_the_payload(string printFmt)
    {
        var b = new DatBuilder(bigEndian: false, longSize: 8, printFmt: printFmt);
        b.AddPage(1_000_000, Concat(b.Header(3, 10), b.Record(4242, '\n'), b.Header(3, 10), b.Record(4242, 'x')));
        byte[] file = b.Build();
        var (rows, fieldsChecked) = Compare(() => new MemoryStream(file));
        Assert.Equal(2, rows);
        Assert.True(fieldsChecked >= 2);

        // and the full rendering itself: "\n" is cut only when it ends the payload
        var chunk = new EventChunk();
        using var reader = new TraceDatReader(new MemoryStream(file), new TraceInfo("built", "built"));
        Assert.True(reader.Read(chunk));
        string payload = Encoding.UTF8.GetString(chunk.Payload(0));
        string value = Encoding.UTF8.GetString(chunk.GetText(0, reader.Names.Intern("value")));
        Assert.Equal(payload.EndsWith("v=", StringComparison.Ordinal) || payload.Length == 0 ? "" : "\n", value);
    }

    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Reads the stream twice (payload text on and off) and compares row by row; returns rows and fields compared.</summary>
    static (int Rows, int Fields) Compare(Func<Stream> open)
    {
        using var full = new TraceDatReader(open(), new TraceInfo("full", "full"), ownsStream: true);
        using var fieldsOnly = new TraceDatReader(open(), new TraceInfo("fields", "fields"), ownsStream: true) { PayloadText = false };
        var a = new EventChunk(1000);
        var b = new EventChunk(1000);
        int rows = 0, fields = 0;
        while (true)
        {
            bool moreA = full.Read(a), moreB = fieldsOnly.Read(b);
            Assert.Equal(moreA, moreB);
            if (!moreA) break;
            Assert.Equal(a.Count, b.Count);
            for (int r = 0; r < a.Count; r++, rows++)
            {
                string at = $"row {rows}";
                Assert.Equal(a.Seq[r], b.Seq[r]);
                Assert.Equal(a.TsNs[r], b.TsNs[r]);
                Assert.Equal(a.Cpu[r], b.Cpu[r]);
                Assert.Equal(a.Pid[r], b.Pid[r]);
                Assert.Equal(full.Names[a.Comm[r]], fieldsOnly.Names[b.Comm[r]]);
                Assert.Equal(full.Names[a.Event[r]], fieldsOnly.Names[b.Event[r]]);
                Assert.Equal(a.Kind[r], b.Kind[r]);
                Assert.Equal(full.Names[a.Flags[r]], fieldsOnly.Names[b.Flags[r]]);
                Assert.Equal(a.FieldCount[r], b.FieldCount[r]);
                for (int i = 0; i < a.FieldCount[r]; i++, fields++)
                {
                    int fa = a.FieldStart[r] + i, fb = b.FieldStart[r] + i;
                    Assert.Equal(full.Names[a.FieldKey[fa]], fieldsOnly.Names[b.FieldKey[fb]]);
                    Assert.Equal(a.FieldTypes[fa], b.FieldTypes[fb]);
                    Assert.Equal(a.FieldValue[fa], b.FieldValue[fb]);
                    Assert.True(a.FieldText(fa).SequenceEqual(b.FieldText(fb)),
                        $"{at} field {full.Names[a.FieldKey[fa]]}: '{Encoding.UTF8.GetString(a.FieldText(fa))}' vs '{Encoding.UTF8.GetString(b.FieldText(fb))}'");
                }
            }
        }
        Assert.Equal(full.Errors.Total, fieldsOnly.Errors.Total);
        return (rows, fields);
    }
}
