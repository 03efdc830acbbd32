using TraceReplay.Core.Events;

namespace TraceReplay.Tests.Ingest;

/// <summary>
/// The reader re-uses the keys of an event's previous payload as a template (a fast path). Payloads of one event that
/// change shape after the template was learned must give the same fields as a first-seen payload would: expected
/// fields below are read off the line text by hand.
/// </summary>
public sealed class FtraceKeyTemplateTests
{
    static IReadOnlyDictionary<string, (FieldType Type, long Value, string Text)> FieldsOf(string payload)
    {
        // the first line teaches the template (x, y, z in this order); the second is the payload under test
        string text = "  task-1     [000] ..... 100.000001: ev_t: x=1 y=abc z=0x10\n"
                      + "  task-1     [000] ..... 100.000002: ev_t: " + payload + "\n";
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(2, rows.Count);
        Assert.Equal(3, rows[0].Fields.Count);
        Assert.Equal((FieldType.Int, 1L, "1"), rows[0].Fields["x"]);
        return rows[1].Fields;
    }

    [Theory]
    [InlineData("x=1 y=abc z=0x12zz")]       // "0x" then digits that stop being hex
    [InlineData("x=1 y=abc z=0x123456789abcdef12")] // more hex digits than a value holds
    public void AHalfParsedNumberIsTextWithValueZero(string payload)
    {
        var f = FieldsOf(payload);
        string z = payload[(payload.IndexOf("z=", StringComparison.Ordinal) + 2)..];
        Assert.Equal((FieldType.Text, 0L, z), f["z"]);
    }

    [Fact]
    public void AHalfParsedPointerIsTextWithValueZero()
    {
        // ptr is a pointer key: bare hex is a pointer; hex digits then junk are text, and no part of them is a value
        var (rows, _) = IngestTestUtil.ReadText("  task-1     [000] ..... 100.000001: kfree: call_site=0 ptr=ffff8880zz12\n");
        Assert.Equal((FieldType.Text, 0L, "ffff8880zz12"), rows[0].Fields["ptr"]);
    }

    [Fact]
    public void SameKeysGiveTypedValues()
    {
        var f = FieldsOf("x=22 y=hello z=0xff");
        Assert.Equal(3, f.Count);
        Assert.Equal((FieldType.Int, 22L, "22"), f["x"]);
        Assert.Equal((FieldType.Text, 0L, "hello"), f["y"]);
        Assert.Equal((FieldType.Hex, 255L, "0xff"), f["z"]);
    }

    [Fact]
    public void ValueWithSpacesRunsToTheNextKey()
    {
        var f = FieldsOf("x=2 y=hello big world z=0x11");
        Assert.Equal(3, f.Count);
        Assert.Equal((FieldType.Text, 0L, "hello big world"), f["y"]);
        Assert.Equal((FieldType.Hex, 0x11L, "0x11"), f["z"]);
    }

    [Fact]
    public void LastValueWithSpacesRunsToTheEnd()
    {
        var f = FieldsOf("x=3 y=q z=lock contended:0");
        Assert.Equal((FieldType.Text, 0L, "lock contended:0"), f["z"]);
    }

    [Fact]
    public void ReorderedFewerAndExtraKeys()
    {
        var reordered = FieldsOf("x=4 z=5 y=r");
        Assert.Equal((FieldType.Int, 5L, "5"), reordered["z"]);
        Assert.Equal((FieldType.Text, 0L, "r"), reordered["y"]);

        var fewer = FieldsOf("x=5 y=s");
        Assert.Equal(2, fewer.Count);
        Assert.Equal((FieldType.Text, 0L, "s"), fewer["y"]);

        var extra = FieldsOf("x=6 y=t z=7 w=-8");
        Assert.Equal(4, extra.Count);
        Assert.Equal((FieldType.Int, -8L, "-8"), extra["w"]);
    }

    [Fact]
    public void SeparatorsAndBracketsAroundTemplateKeys()
    {
        var f = FieldsOf("  x=9   y=u  z=12  ");
        Assert.Equal(3, f.Count);
        Assert.Equal((FieldType.Int, 9L, "9"), f["x"]);
        Assert.Equal((FieldType.Text, 0L, "u"), f["y"]);
        Assert.Equal((FieldType.Int, 12L, "12"), f["z"]);

        // a key that only looks like a template key, and a bracketed one
        var g = FieldsOf("x=1 yy=2 [z=RCU]");
        Assert.Equal(3, g.Count);
        Assert.Equal((FieldType.Int, 2L, "2"), g["yy"]);
        Assert.Equal((FieldType.Text, 0L, "RCU"), g["z"]);
    }

    [Fact]
    public void BareHexWidthsAndPointerKeys()
    {
        // %p-width hex without 0x: 16 digits in either case, also under a key that is not a pointer key
        var f = FieldsOf("x=12 y=FFFF888100A0bC0d z=0000000000000000");
        Assert.Equal((FieldType.Int, 12L, "12"), f["x"]);
        Assert.Equal((FieldType.Hex, unchecked((long)0xFFFF888100A0BC0DUL), "FFFF888100A0bC0d"), f["y"]);
        Assert.Equal((FieldType.Int, 0L, "0000000000000000"), f["z"]);

        // 16 characters that are not all hex stay text
        Assert.Equal(FieldType.Text, FieldsOf("x=1 y=ffff88810g00bc0d z=1")["y"].Type);

        // pointer keys ("ptr", "page") are hex even when all digits
        string text = "  task-1     [000] ..... 100.000001: kfree: call_site=f+0x1/0x2 ptr=0000000012345678\n"
                      + "  task-1     [000] ..... 100.000002: kfree: call_site=f+0x1/0x2 ptr=ffff8881DEADBEEF\n";
        var (rows, _) = IngestTestUtil.ReadText(text);
        Assert.Equal((FieldType.Hex, 0x12345678L, "0000000012345678"), rows[0].Fields["ptr"]);
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff8881DEADBEEFUL), "ffff8881DEADBEEF"), rows[1].Fields["ptr"]);
        Assert.Equal((FieldType.Text, 0L, "f+0x1/0x2"), rows[1].Fields["call_site"]);
    }

    [Fact]
    public void SeparatorRunsAndValuesLongerThanAVector()
    {
        // separators after a value are skipped from the value's own 32-byte vector; runs and values that cross it
        string spaces = new(' ', 40);
        string longText = "abcdefghij_abcdefghij_abcdefghij_abcdefghij"; // 43 bytes
        var f = FieldsOf("x=1" + spaces + "y=" + longText + spaces + "z=123456789012345678");
        Assert.Equal(3, f.Count);
        Assert.Equal((FieldType.Int, 1L, "1"), f["x"]);
        Assert.Equal((FieldType.Text, 0L, longText), f["y"]);
        Assert.Equal((FieldType.Int, 123456789012345678L, "123456789012345678"), f["z"]);

        // a separator run that ends exactly at a vector end, then a value ending the payload after one space
        var g = FieldsOf("x=7" + new string(' ', 29) + "y=v z=9 ");
        Assert.Equal((FieldType.Int, 7L, "7"), g["x"]);
        Assert.Equal((FieldType.Text, 0L, "v"), g["y"]);
        Assert.Equal((FieldType.Int, 9L, "9"), g["z"]);
    }
}
