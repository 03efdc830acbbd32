using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Ftrace;

// Line dispatch: every line ends as exactly one of event row, error, header/comment, blank or continuation,
// so Events + Errors + HeaderLines + BlankLines + ContinuationLines == TotalLines.
public sealed partial class FtraceTextReader
{
    /// <summary>Row still accepting continuation lines (multi-line payloads, stack frames); -1 when none.</summary>
    int _openRow = -1;
    EventKind _openKind;
    int _openEvent;
    /// <summary>Seq of the last non-stack event, the parent of a following &lt;stack trace&gt;.</summary>
    long _lastEventSeq = -1;

    /// <summary>Returns false (consuming nothing) when the line needs a new row and the chunk is full.</summary>
    bool ProcessLine(EventChunk chunk, ReadOnlySpan<byte> line, long lineNumber, long offset)
    {
        if (_html != HtmlState.None && HandleHtmlWrapper(line))
        {
            CloseOpenRow(chunk);
            Info.HeaderLines++;
            return true;
        }
        int first = 0;
        while (first < line.Length && (line[first] == ' ' || line[first] == '\t')) first++;
        if (first == line.Length)
        {
            CloseOpenRow(chunk);
            Info.BlankLines++;
            return true;
        }
        if (line[first] == '#')
        {
            CloseOpenRow(chunk);
            ParseHeaderLine(line[first..]);
            Info.HeaderLines++;
            return true;
        }
        // meta lines start at column 0 ("cpus=", "version", "<!DOCTYPE") or read "CPU N is empty"; event lines mostly with padding
        byte lead = line[first];
        if ((lead == 'c' || lead == 'v' || lead == '<' || lead == 'C') && TryParseMetaLine(line))
        {
            CloseOpenRow(chunk);
            Info.HeaderLines++;
            return true;
        }
        _sawFirstLine = true; // an HTML wrapper is recognised on the first line only, not after events

        var prefix = default(LinePrefix);
        if (TryReuseLastPrefix(line, ref prefix) || TryParseBracketPrefix(line, ref prefix) || TryParseLatencyPrefix(line, ref prefix))
        {
            if (chunk.IsFull)
                return false;
            CloseOpenRow(chunk);
            AddEventRow(chunk, line, ref prefix, lineNumber, offset);
            return true;
        }
        if (TryParseLostLine(line, out int lostCpu, out long lostCount))
        {
            if (chunk.IsFull)
                return false;
            CloseOpenRow(chunk);
            AddLostRow(chunk, lostCpu, lostCount, lineNumber, offset);
            return true;
        }
        var graph = default(GraphLine);
        if (TryParseGraphLine(line, ref graph))
        {
            if (graph.Kind == GraphLineKind.Separator)
            {
                CloseOpenRow(chunk);
                Info.HeaderLines++;
                return true;
            }
            if (chunk.IsFull)
                return false;
            CloseOpenRow(chunk);
            AddGraphRow(chunk, line, ref graph, lineNumber, offset);
            return true;
        }
        if (_openRow >= 0 && AcceptsContinuation(line, first))
        {
            chunk.ExtendPayload(_openRow, "\n"u8);
            chunk.ExtendPayload(_openRow, line);
            Info.ContinuationLines++;
            return true;
        }
        CloseOpenRow(chunk);
        Errors.Add(lineNumber, offset, "not an ftrace line", line);
        return true;
    }

    bool AcceptsContinuation(ReadOnlySpan<byte> line, int first)
    {
        bool frame = line[first..].StartsWith("=>"u8);
        if (_openKind == EventKind.Stack)
            return frame;
        // multi-line payloads come from events that print free text (trace_marker, bprint, probes) or that carry a
        // key=value list spilling over lines (seen in vendor tracepoints). A line that starts like an event
        // ("comm-pid [cpu", "comm-pid (tgid)") but did not parse is a broken event line (truncated file, spliced
        // write), and after a key=value event only more key=value text continues it; events with their own grammar
        // (sched_switch, rcu, lock, workqueue) never span lines. Anything else is reported, not absorbed.
        var rest = line[first..];
        if (LooksLikeBrokenEventLine(rest))
            return false;
        return _openKind switch
        {
            EventKind.Print or EventKind.Kprobe or EventKind.Kretprobe => true,
            EventKind.Tracepoint => GrammarOf(_openEvent) == Grammar.KeyValue && rest.IndexOf((byte)'=') > 0,
            _ => false,
        };
    }

    /// <summary>"&lt;idle&gt;-0     [00…": a task-pid token followed by the CPU bracket or the TGID column.</summary>
    static bool LooksLikeBrokenEventLine(ReadOnlySpan<byte> line)
    {
        int limit = Math.Min(line.Length, 48);
        for (int i = 1; i < limit; i++)
        {
            if (line[i] != '-' || !IsDigit(line, i + 1)) continue;
            int j = i + 1;
            while (j < line.Length && line[j] >= '0' && line[j] <= '9') j++;
            int k = j;
            while (k < line.Length && line[k] == ' ') k++;
            if (k > j && (k == line.Length || line[k] == '[' || line[k] == '('))
                return true;
        }
        return false;
    }

    static bool IsDigit(ReadOnlySpan<byte> s, int i) => i < s.Length && s[i] >= '0' && s[i] <= '9';

    int StartRow(EventChunk chunk, long lineNumber, long offset)
    {
        int row = chunk.AddRow();
        chunk.Seq[row] = _seq++;
        chunk.Line[row] = lineNumber;
        chunk.ByteOffset[row] = offset;
        return row;
    }

    void AddLostRow(EventChunk chunk, int cpu, long count, long lineNumber, long offset)
    {
        int row = StartRow(chunk, lineNumber, offset);
        chunk.Cpu[row] = cpu;
        if (cpu > Info.MaxCpuSeen) Info.MaxCpuSeen = cpu;
        chunk.Kind[row] = EventKind.Lost;
        chunk.Event[row] = _idLostEvents;
        chunk.TsNs[row] = _lastTs;
        int start = chunk.TextLength;
        chunk.AddField(row, _keyCount, FieldType.Int, count, start, 0);
        Info.LostMarkers++;
        if (count > 0) Info.LostEvents += count;
    }

    /// <summary>Parses the fields of the row that was waiting for continuation lines; its payload is now complete.</summary>
    void CloseOpenRow(EventChunk chunk)
    {
        if (_openRow < 0)
            return;
        int row = _openRow;
        _openRow = -1;
        ParseFields(chunk, row);
    }
}
