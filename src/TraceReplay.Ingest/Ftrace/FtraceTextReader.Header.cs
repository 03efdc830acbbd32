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
        int arrow = line.IndexOf("=> "u8);
        if (arrow > 0 && line[..arrow].IndexOf("_-"u8) >= 0)
            NoteLegendColumn(line[(arrow + 3)..].Trim((byte)' '));
    }

    // The flags legend ("#  _-----=> irqs-off" …) names the columns in order. PREEMPT_RT kernels add
    // need-resched-lazy and preempt-lazy-depth columns (6–7 wide); their positions come from the legend.
    readonly List<string> _legend = new();
    /// <summary>Column of irqs-off, need-resched, need-resched-lazy, hardirq/softirq, preempt-depth, migrate-disable; null = standard.</summary>
    int[]? _flagsLayout;

    void NoteLegendColumn(ReadOnlySpan<byte> name)
    {
        // "CPU#" (latency-format header: the CPU fused before the flags) and "delay" are not flag columns
        if (name.SequenceEqual("delay"u8) || name.SequenceEqual("CPU#"u8))
            return;
        _legend.Add(Encoding.UTF8.GetString(name));
        int Find(params string[] names) => _legend.FindIndex(n => names.Contains(n));
        var layout = new[]
        {
            Find("irqs-off", "irqs-off/BH-disabled"), Find("need-resched"), Find("need-resched-lazy", "need-resched_lazy"),
            Find("hardirq/softirq"), Find("preempt-depth"), Find("migrate-disable"),
        };
        bool standard = layout[0] == 0 && layout[1] == 1 && layout[2] < 0 && layout[3] == 2 && layout[4] == 3 && layout[5] is -1 or 4;
        _flagsLayout = standard || layout[0] < 0 ? null : layout;
        _lastFlags = 0; // decoding may change: drop the one-entry cache
    }

    static byte At(ReadOnlySpan<byte> flags, int col) => col >= 0 && col < flags.Length ? flags[col] : (byte)'.';

    /// <summary>Rearranges a non-standard (RT) flags token into the standard 5 columns before decoding.</summary>
    void DecodeWithLayout(ReadOnlySpan<byte> flags, int[] layout)
    {
        Span<byte> std = stackalloc byte[5];
        std[0] = At(flags, layout[0]);
        std[1] = At(flags, layout[1]) != '.' ? At(flags, layout[1]) : At(flags, layout[2]);
        std[2] = At(flags, layout[3]);
        std[3] = At(flags, layout[4]);
        std[4] = At(flags, layout[5]);
        FtraceFlags.Decode(std, hasMigrateColumn: layout[5] >= 0, out _lastContext, out _lastNeedResched, out _lastPreemptDepth,
            out _lastMigrateDisable);
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
