using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Ftrace;

enum GraphLineKind : byte { None, Separator, Entry, Exit, Leaf, Comment, Switch }

/// <summary>One function_graph line, as offsets into the line.</summary>
struct GraphLine
{
    public GraphLineKind Kind;
    public long Ts;
    public int Cpu;
    public int ProcStart, ProcLength, Pid;
    public long DurationNs;
    public int Depth;
    public int BodyStart, BodyLength;
    public int FuncStart, FuncLength;
    public int SwitchStart, SwitchLength;
}

// function_graph text: "[abstime |] CPU) [comm-pid |] [marker] [duration us] |  body" where body is "func() {",
// "func();", "}" / "} /* func */" or "/* comment */"; "CPU) a-1 => b-2" context switches; "-----" separators.
public sealed partial class FtraceTextReader
{
    bool TryParseGraphLine(ReadOnlySpan<byte> line, ref GraphLine g)
    {
        int i = 0;
        while (i < line.Length && line[i] == ' ') i++;
        if (i >= line.Length)
            return false;
        if (line[i] == '-')
        {
            if (line.Length - i >= 10 && line[i..].TrimEnd((byte)' ').IndexOfAnyExcept((byte)'-') < 0)
            {
                g.Kind = GraphLineKind.Separator;
                return true;
            }
            return false;
        }
        if ((uint)(line[i] - '0') > 9)
            return false;
        // optional absolute time column "7238523.638008 |"
        int t = i;
        while (t < line.Length && ((uint)(line[t] - '0') <= 9 || line[t] == '.')) t++;
        if (t < line.Length && line[t] == ' ')
        {
            int bar = t;
            while (bar < line.Length && line[bar] == ' ') bar++;
            if (bar < line.Length && line[bar] == '|' && TryParseTimestamp(line[i..t], out long ts, out _))
            {
                g.Ts = ts;
                i = bar + 1;
                while (i < line.Length && line[i] == ' ') i++;
            }
        }
        int c = i;
        int cpu = 0;
        while (c < line.Length && (uint)(line[c] - '0') <= 9 && c - i < 5)
            cpu = cpu * 10 + (line[c++] - '0');
        if (c == i || c >= line.Length || line[c] != ')')
            return false;
        g.Cpu = cpu;
        int afterCpu = c + 1;
        var rest = line[afterCpu..];
        int firstBar = rest.IndexOf((byte)'|');
        if (firstBar < 0)
        {
            // " 0)  platfor-3210  =>   vmstat-2854  "
            int arrow = rest.IndexOf(" => "u8);
            if (arrow < 0)
            {
                // funcgraph-duration off: " 1)   getname() {" (one space, then two per depth level)
                g.Pid = -1;
                return TryParseGraphTail(default, line, afterCpu, baseIndent: 1, ref g);
            }
            var trimmed = rest.Trim((byte)' ');
            g.Kind = GraphLineKind.Switch;
            g.SwitchStart = afterCpu + rest.IndexOf(trimmed);
            g.SwitchLength = trimmed.Length;
            return true;
        }
        int segStart = afterCpu;
        var seg = rest[..firstBar];
        int tailStart = afterCpu + firstBar + 1;
        // funcgraph-proc: "comm-pid |" before the duration column
        var procTrim = seg.Trim((byte)' ');
        int dash = procTrim.LastIndexOf((byte)'-');
        if (dash > 0 && dash < procTrim.Length - 1 && procTrim[(dash + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            && line[tailStart..].IndexOf((byte)'|') >= 0)
        {
            g.ProcStart = segStart + seg.IndexOf(procTrim);
            g.ProcLength = dash;
            g.Pid = ParseDigits(procTrim[(dash + 1)..]);
            int bar2 = line[tailStart..].IndexOf((byte)'|');
            seg = line.Slice(tailStart, bar2);
            tailStart += bar2 + 1;
        }
        else
        {
            g.Pid = -1;
        }
        return TryParseGraphTail(seg, line, tailStart, baseIndent: 2, ref g);
    }

    /// <summary>Duration column (<paramref name="duration"/>) and the body after its '|' (from <paramref name="bodyFrom"/>).</summary>
    static bool TryParseGraphTail(ReadOnlySpan<byte> duration, ReadOnlySpan<byte> line, int bodyFrom, int baseIndent, ref GraphLine g)
    {
        g.DurationNs = -1;
        var d = duration.Trim((byte)' ');
        if (d.Length > 0 && "+!#*@$"u8.IndexOf(d[0]) >= 0)
            d = d[1..].TrimStart((byte)' ');
        if (d.Length > 0 && !TryParseDuration(d, out g.DurationNs))
            return false;
        int spaces = 0;
        int b = bodyFrom;
        while (b < line.Length && line[b] == ' ') { b++; spaces++; }
        var body = line[b..].TrimEnd((byte)' ');
        if (body.IsEmpty)
            return false;
        g.Depth = Math.Max(0, (spaces - baseIndent) / 2);
        g.BodyStart = b;
        g.BodyLength = body.Length;
        if (body[0] == '}')
        {
            g.Kind = GraphLineKind.Exit;
            int open = body.IndexOf("/* "u8);
            if (open > 0 && body.EndsWith(" */"u8))
            {
                g.FuncStart = b + open + 3;
                g.FuncLength = body.Length - open - 6;
            }
            return true;
        }
        if (body.StartsWith("/*"u8))
        {
            g.Kind = GraphLineKind.Comment;
            return true;
        }
        if (body.EndsWith("() {"u8))
        {
            g.Kind = GraphLineKind.Entry;
            g.FuncStart = b;
            g.FuncLength = body.Length - 4;
            return g.FuncLength > 0;
        }
        if (body.EndsWith("();"u8))
        {
            g.Kind = GraphLineKind.Leaf;
            g.FuncStart = b;
            g.FuncLength = body.Length - 3;
            return g.FuncLength > 0;
        }
        return false;
    }

    /// <summary>"0.198 us", "13.469 us", "1234.5 ms" → ns.</summary>
    static bool TryParseDuration(ReadOnlySpan<byte> s, out long ns)
    {
        ns = -1;
        int sp = s.IndexOf((byte)' ');
        if (sp <= 0)
            return false;
        var number = s[..sp];
        var unit = s[(sp + 1)..].Trim((byte)' ');
        long scale = unit.SequenceEqual("us"u8) ? 1_000 : unit.SequenceEqual("ns"u8) ? 1 : unit.SequenceEqual("ms"u8) ? 1_000_000
            : unit.SequenceEqual("s"u8) ? 1_000_000_000 : 0;
        if (scale == 0)
            return false;
        int dot = number.IndexOf((byte)'.');
        var whole = dot < 0 ? number : number[..dot];
        var frac = dot < 0 ? default : number[(dot + 1)..];
        if (whole.IsEmpty || whole.Length > 12 || frac.Length > 9)
            return false;
        long w = 0, f = 0, fscale = 1;
        foreach (byte x in whole) { if ((uint)(x - '0') > 9) return false; w = w * 10 + (x - '0'); }
        foreach (byte x in frac) { if ((uint)(x - '0') > 9) return false; f = f * 10 + (x - '0'); fscale *= 10; }
        ns = w * scale + f * scale / fscale;
        return true;
    }

    void AddGraphRow(EventChunk chunk, ReadOnlySpan<byte> line, ref GraphLine g, long lineNumber, long offset)
    {
        int row = StartRow(chunk, lineNumber, offset);
        chunk.Cpu[row] = g.Cpu;
        if (g.Cpu > Info.MaxCpuSeen) Info.MaxCpuSeen = g.Cpu;
        chunk.TsNs[row] = g.Ts;
        if (g.Ts != 0) _lastTs = g.Ts;
        chunk.Pid[row] = g.ProcLength > 0 ? g.Pid : -1;
        if (g.ProcLength > 0)
            chunk.Comm[row] = _intern.Id(line.Slice(g.ProcStart, g.ProcLength));
        if (Info.Variant.Length == 0)
            Info.Variant = "function_graph";
        _lastEventSeq = chunk.Seq[row];
        if (g.Kind == GraphLineKind.Switch)
        {
            AddGraphSwitch(chunk, row, line.Slice(g.SwitchStart, g.SwitchLength));
            return;
        }
        if (g.Kind == GraphLineKind.Comment)
        {
            AddGraphComment(chunk, row, line.Slice(g.BodyStart, g.BodyLength));
            return;
        }
        chunk.SetPayload(row, line.Slice(g.BodyStart, g.BodyLength));
        int payloadStart = chunk.PayloadStart[row];
        switch (g.Kind)
        {
            case GraphLineKind.Entry:
                chunk.Event[row] = _idFuncgraphEntry;
                chunk.Kind[row] = EventKind.GraphEntry;
                break;
            case GraphLineKind.Leaf:
                chunk.Event[row] = _idFuncgraphEntry;
                chunk.Kind[row] = EventKind.GraphLeaf;
                break;
            case GraphLineKind.Exit:
                chunk.Event[row] = _idFuncgraphExit;
                chunk.Kind[row] = EventKind.GraphExit;
                break;
        }
        if (g.FuncLength > 0)
            chunk.AddField(row, _keyFunc, FieldType.Text, 0, payloadStart + (g.FuncStart - g.BodyStart), g.FuncLength);
        chunk.AddField(row, _keyDepth, FieldType.Int, g.Depth, payloadStart, 0);
        if (g.DurationNs >= 0)
            chunk.AddField(row, _keyDurationNs, FieldType.Int, g.DurationNs, payloadStart, 0);
    }

    /// <summary>
    /// A comment line. print_graph_comment prints any other event inside the graph through the event's own output,
    /// "/* name: payload */": that is a tracepoint row like an ordinary "name: payload" line (same FillBody/ParseFields
    /// path, so the same per-event fields). Anything else is trace_printk text ("/* text */"): a print row.
    /// </summary>
    void AddGraphComment(EventChunk chunk, int row, ReadOnlySpan<byte> body)
    {
        if (body.Length >= 6 && body.StartsWith("/* "u8) && body.EndsWith(" */"u8) && IsNamedEvent(body[3..^3]))
        {
            FillBody(chunk, row, body[3..^3]);
            CloseOpenRow(chunk); // the payload is complete: a comment never continues on the next line
            return;
        }
        chunk.SetPayload(row, body);
        int payloadStart = chunk.PayloadStart[row];
        chunk.Event[row] = _idPrint;
        chunk.Kind[row] = EventKind.Print;
        var inner = body[2..(body.EndsWith("*/"u8) && body.Length >= 4 ? body.Length - 2 : body.Length)];
        var text = inner.Trim((byte)' ');
        int lead = text.IsEmpty ? 0 : inner.IndexOf(text);
        chunk.AddField(row, _keyBuf, FieldType.Text, 0, payloadStart + 2 + lead, text.Length);
    }

    /// <summary>"name: payload" or "name:" with name an event identifier [a-z0-9_]+; free text rarely has that shape.</summary>
    static bool IsNamedEvent(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (i < text.Length && ((uint)(text[i] - 'a') <= 'z' - 'a' || (uint)(text[i] - '0') <= 9 || text[i] == '_'))
            i++;
        return i > 0 && i < text.Length && text[i] == ':' && (i + 1 == text.Length || text[i + 1] == ' ');
    }

    void AddGraphSwitch(EventChunk chunk, int row, ReadOnlySpan<byte> text)
    {
        chunk.Event[row] = _idFuncgraphSwitch;
        chunk.Kind[row] = EventKind.GraphSwitch;
        chunk.SetPayload(row, text);
        int start = chunk.PayloadStart[row];
        int arrow = text.IndexOf(" => "u8);
        AddGraphTask(chunk, row, text[..arrow], start, _keyPrevComm, _keyPrevPid);
        int nextStart = arrow + 4;
        AddGraphTask(chunk, row, text[nextStart..], start + nextStart, _keyNextComm, _keyNextPid);
    }

    void AddGraphTask(EventChunk chunk, int row, ReadOnlySpan<byte> task, int start, int commKey, int pidKey)
    {
        var trimmed = task.Trim((byte)' ');
        int lead = task.IndexOf(trimmed);
        int dash = trimmed.LastIndexOf((byte)'-');
        if (dash <= 0)
            return;
        chunk.AddField(row, commKey, FieldType.Text, 0, start + lead, dash);
        AddTypedField(chunk, row, pidKey, trimmed[(dash + 1)..], start + lead + dash + 1, pointerKey: false);
    }
}
