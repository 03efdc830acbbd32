using System.Text;

namespace TraceReplay.Ingest.Ftrace;

// Header and meta lines: tracefs "# ..." header, trace-cmd "version = 6" / "cpus=N" / "CPU N is empty",
// lost-event markers, and the systrace HTML wrapper.
public sealed partial class FtraceTextReader
{
    enum HtmlState : byte { None, Outside, Inside }

    bool _sawReportHeader;
    bool _sawTracerHeader;
    bool _sawFirstLine;
    /// <summary>Flags columns announced by the header legend (4 or 5), 0 when unknown.</summary>
    int _legendColumns;
    HtmlState _html;

    void ParseHeaderLine(ReadOnlySpan<byte> line)
    {
        _sawFirstLine = true;
        if (line.StartsWith("# tracer: "u8))
        {
            _sawTracerHeader = true;
            Info.Tracer = Encoding.UTF8.GetString(line["# tracer: "u8.Length..].Trim((byte)' '));
            return;
        }
        int entries = line.IndexOf("entries-in-buffer/entries-written: "u8);
        if (entries >= 0)
        {
            var rest = line[(entries + "entries-in-buffer/entries-written: "u8.Length)..];
            int slash = rest.IndexOf((byte)'/');
            if (slash > 0)
            {
                Info.EntriesInBuffer = LeadingNumber(rest[..slash]);
                Info.EntriesWritten = LeadingNumber(rest[(slash + 1)..]);
            }
        }
        int cpus = line.IndexOf("#P:"u8);
        if (cpus >= 0)
            Info.HeaderCpus = (int)LeadingNumber(line[(cpus + 3)..]);
        if (line.IndexOf("migrate-disable"u8) >= 0)
            _legendColumns = 5;
        else if (line.IndexOf("preempt-depth"u8) >= 0 && _legendColumns == 0)
            _legendColumns = 4;
    }

    /// <summary>trace-cmd report's own header lines (and its "CPU N is empty" notes).</summary>
    bool TryParseMetaLine(ReadOnlySpan<byte> line)
    {
        bool first = !_sawFirstLine;
        _sawFirstLine = true;
        if (first && (line.StartsWith("<!DOCTYPE html"u8) || line.StartsWith("<html"u8)))
        {
            _html = HtmlState.Outside;
            return true;
        }
        if (line.StartsWith("cpus="u8))
        {
            _sawReportHeader = true;
            Info.HeaderCpus = (int)LeadingNumber(line[5..]);
            return true;
        }
        if (line.StartsWith("version = "u8))
        {
            _sawReportHeader = true;
            return true;
        }
        var t = line.TrimStart((byte)' ');
        if (t.StartsWith("CPU "u8) && t.EndsWith(" is empty"u8))
            return true;
        return false;
    }

    /// <summary>
    /// "CPU:1 [123 EVENTS DROPPED]", "CPU:1 [EVENTS DROPPED]" (trace-cmd, maybe after a buffer prefix) and the
    /// kernel's "CPU:1 [LOST 123 EVENTS]".
    /// </summary>
    static bool TryParseLostLine(ReadOnlySpan<byte> line, out int cpu, out long count)
    {
        cpu = -1;
        count = -1;
        int at = line.IndexOf("CPU:"u8);
        if (at < 0 || line.IndexOf("EVENTS"u8) < 0)
            return false;
        var rest = line[(at + 4)..];
        int i = 0;
        while (i < rest.Length && (uint)(rest[i] - '0') <= 9) i++;
        if (i == 0 || !TryParseInt(rest[..i], out cpu))
            return false;
        var tail = rest[i..].Trim((byte)' ');
        if (tail.SequenceEqual("[EVENTS DROPPED]"u8))
            return true;
        if (tail.StartsWith("["u8) && tail.EndsWith(" EVENTS DROPPED]"u8))
        {
            count = LeadingNumber(tail[1..]);
            return true;
        }
        if (tail.StartsWith("[LOST "u8) && tail.EndsWith(" EVENTS]"u8))
        {
            count = LeadingNumber(tail[6..]);
            return true;
        }
        cpu = -1;
        return false;
    }

    /// <summary>Systrace HTML: only the text inside &lt;script class="trace-data"&gt; is trace; the rest is wrapper.</summary>
    bool HandleHtmlWrapper(ReadOnlySpan<byte> line)
    {
        if (_html == HtmlState.Outside)
        {
            if (line.IndexOf("<script class=\"trace-data\""u8) >= 0)
                _html = HtmlState.Inside;
            return true;
        }
        if (line.IndexOf("</script>"u8) >= 0)
        {
            _html = HtmlState.Outside;
            return true;
        }
        return false;
    }

    static long LeadingNumber(ReadOnlySpan<byte> s)
    {
        s = s.TrimStart((byte)' ');
        long v = 0;
        int i = 0;
        while (i < s.Length && (uint)(s[i] - '0') <= 9 && i < 18)
            v = v * 10 + (s[i++] - '0');
        return i == 0 ? -1 : v;
    }
}
