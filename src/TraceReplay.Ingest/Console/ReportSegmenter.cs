using System.Text;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>The lines of one report as cut out of the log, before its grammar is parsed.</summary>
public sealed class RawReport
{
    public required LockdepKind Kind { get; init; }
    public required long Line { get; init; }
    public required long TimestampNs { get; init; }
    public required int Caller { get; init; }
    public List<ReportLine> Lines { get; } = new();
    /// <summary>Why the cut is known to be incomplete or mixed (truncated, interrupted, glued title...).</summary>
    public List<string> Problems { get; } = new();
    /// <summary>The DEBUG_LOCKS_WARN_ON(...) line printed just before a lockdep.c WARNING, if any.</summary>
    public string? DebugLocksWarnOn { get; set; }
}

/// <summary>
/// Cuts reports out of a stream of console lines (lockdep.md §3.12). A report starts at a line <see cref="ReportStart"/>
/// recognises and collects the following lines of the same printk caller (when the log has caller ids, other callers'
/// lines are other output and are passed over, so reports from different tasks/CPUs may interleave). It ends at the
/// next report start, at the first line after its call trace that is not part of a trace (frame, context marker,
/// register dump, "---[ end trace"), at KASAN's closing bar, after a held-lock list for the stackless
/// "returning to user space" report, after a printk-time gap of more than 5 s (or time going back by more than 1 s, a reboot), or after <see cref="MaxLines"/> lines.
/// Only report lines are ever materialised as strings.
/// </summary>
public sealed class ReportSegmenter
{
    public const int MaxLines = 1500;
    const long MaxGapNs = 5_000_000_000;
    const long MaxBackwardsNs = 1_000_000_000;

    readonly List<OpenReport> _open = new();
    readonly List<RawReport> _done = new();
    string? _debugLocksText;
    int _debugLocksCaller;
    long _debugLocksLine = -10;

    public IReadOnlyList<RawReport> Reports => _done;

    /// <summary>True while a report is collecting lines: every line must then be looked at.</summary>
    public bool HasOpenReports => _open.Count > 0;

    /// <summary>
    /// Offset of the first line of <paramref name="text"/> that could start a report (its bytes hold "G: " of
    /// "WARNING: "/"BUG: " or "O: " of "INFO: "), or -1. Lets the reader skip plain output at memory speed while no
    /// report is open; a DEBUG_LOCKS_WARN_ON line just before such a line must still be fed (see the reader).
    /// </summary>
    public static int NextCandidateLine(ReadOnlySpan<byte> text)
    {
        int g = text.IndexOf("G: "u8);
        var head = g < 0 ? text : text[..g];
        int o = head.IndexOf("O: "u8);
        int hit = o >= 0 ? o : g;
        if (hit < 0) return -1;
        return text[..hit].LastIndexOf((byte)'\n') + 1;
    }

    /// <summary>Feeds one line (without its newline). <paramref name="lineNumber"/> is 1-based.</summary>
    public void Line(ReadOnlySpan<byte> line, long lineNumber)
    {
        var payload = ConsoleEnvelopeParser.Strip(line, out var env);
        for (int i = 0; i < _open.Count; i++)
        {
            var open = _open[i];
            if (open.Caller != env.Caller) continue;
            var verdict = open.Feed(payload, env, lineNumber);
            if (verdict == Verdict.Consumed) return;
            Close(i);
            if (verdict == Verdict.EndedAfter) return;
            break;
        }
        TryStart(payload, env, lineNumber);
    }

    /// <summary>Closes reports still open at end of input.</summary>
    public void Finish()
    {
        while (_open.Count > 0)
        {
            var open = _open[0];
            if (!open.Ended && open.ExpectsTrace && open.Phase == Phase.Body)
                open.Report.Problems.Add("truncated: log ends before the report's stack trace");
            Close(0);
        }
    }

    void TryStart(ReadOnlySpan<byte> payload, ConsoleEnvelope env, long lineNumber)
    {
        var kind = ReportStart.Detect(payload);
        bool glued = false;
        if (kind is null)
        {
            if (payload.Length > 20 && payload[0] == (byte)'D' && payload.StartsWith("DEBUG_LOCKS_WARN_ON("u8))
            {
                _debugLocksText = Encoding.UTF8.GetString(payload);
                _debugLocksCaller = env.Caller;
                _debugLocksLine = lineNumber;
                return;
            }
            int at = ReportStart.FindGlued(payload);
            if (at < 0) return;
            payload = payload[at..];
            kind = ReportStart.Detect(payload);
            if (kind is null) return;
            glued = true;
        }
        var report = new RawReport { Kind = kind.Value, Line = lineNumber, TimestampNs = env.TimestampNs, Caller = env.Caller };
        if (glued) report.Problems.Add("title glued after other output on the same line");
        if (kind == LockdepKind.LockingBug && _debugLocksText is not null && _debugLocksCaller == env.Caller
            && lineNumber - _debugLocksLine <= 3)
            report.DebugLocksWarnOn = _debugLocksText;
        var open = new OpenReport(report);
        open.Append(payload, env, lineNumber);
        _open.Add(open);
    }

    void Close(int index)
    {
        var open = _open[index];
        _open.RemoveAt(index);
        _done.Add(open.Report);
    }

    enum Verdict { Consumed, EndedBefore, EndedAfter }

    enum Phase { Body, Trace, TraceBlank }

    sealed class OpenReport(RawReport report)
    {
        public RawReport Report { get; } = report;
        public int Caller => Report.Caller;
        public Phase Phase { get; private set; } = Phase.Body;
        public bool Ended { get; private set; }
        public bool ExpectsTrace => !LockdepKinds.HasNoStackTrace(Report.Kind);
        long _lastTs = report.TimestampNs;
        bool _sawHeldList;
    
        public void Append(ReadOnlySpan<byte> payload, ConsoleEnvelope env, long lineNumber)
        {
            Report.Lines.Add(new ReportLine(Encoding.UTF8.GetString(payload), lineNumber, env.TimestampNs));
            if (env.TimestampNs >= 0) _lastTs = env.TimestampNs;
        }

        public Verdict Feed(ReadOnlySpan<byte> payload, ConsoleEnvelope env, long lineNumber)
        {
            if (ReportStart.Detect(payload) is not null || ReportStart.FindGlued(payload) > 0)
            {
                if (Phase == Phase.Body && ExpectsTrace)
                    Report.Problems.Add($"truncated: interrupted at line {lineNumber} by another report");
                return Verdict.EndedBefore;
            }
            if (Report.Lines.Count >= MaxLines)
            {
                Report.Problems.Add($"cut after {MaxLines} lines");
                return Verdict.EndedBefore;
            }
            if (env.TimestampNs >= 0 && _lastTs >= 0
                && (env.TimestampNs - _lastTs > MaxGapNs || _lastTs - env.TimestampNs > MaxBackwardsNs))
            {
                if (Phase == Phase.Body && ExpectsTrace)
                    Report.Problems.Add($"truncated: printk time gap before line {lineNumber}");
                return Verdict.EndedBefore;
            }
            var t = payload;
            switch (Phase)
            {
                case Phase.Body:
                    if (Report.Kind == LockdepKind.Kasan && IsBar(t) && Report.Lines.Count > 2)
                    {
                        Append(payload, env, lineNumber);
                        return Verdict.EndedAfter;
                    }
                    if (Report.Kind == LockdepKind.LockHeldReturningToUser)
                    {
                        if (_sawHeldList && t.Length > 0 && !t.TrimStart((byte)' ').StartsWith("#"u8)) return Verdict.EndedBefore;
                        if (t.IndexOf(" held by "u8) > 0) _sawHeldList = true;
                    }
                    Append(payload, env, lineNumber);
                    if (IsStackHeader(t)) Phase = Phase.Trace;
                    return Verdict.Consumed;
                case Phase.Trace:
                    if (IsBlank(t))
                    {
                        Phase = Phase.TraceBlank;
                        Append(payload, env, lineNumber);
                        return Verdict.Consumed;
                    }
                    if (IsTraceLine(t))
                    {
                        Append(payload, env, lineNumber);
                        if (t.StartsWith("---[ end "u8)) { Ended = true; return Verdict.EndedAfter; }
                        return Verdict.Consumed;
                    }
                    return AfterTrace(payload, env, lineNumber);
                default:
                    if (IsBlank(t))
                    {
                        Append(payload, env, lineNumber);
                        return Verdict.Consumed;
                    }
                    if (IsTraceLine(t) && t[0] == (byte)' ')
                    {
                        Phase = Phase.Trace;
                        Append(payload, env, lineNumber);
                        return Verdict.Consumed;
                    }
                    return AfterTrace(payload, env, lineNumber);
            }
        }

        /// <summary>A non-trace line after a call trace: KASAN continues with its alloc/free stacks; lockdep's
        /// "Nested lock was not taken" prints "other info" and a second backtrace; everything else ends here.</summary>
        Verdict AfterTrace(ReadOnlySpan<byte> payload, ConsoleEnvelope env, long lineNumber)
        {
            if (Report.Kind == LockdepKind.Kasan || payload.StartsWith("other info that might help us debug this"u8))
            {
                Phase = Phase.Body;
                Append(payload, env, lineNumber);
                if (Report.Kind == LockdepKind.Kasan && IsBar(payload)) return Verdict.EndedAfter;
                return Verdict.Consumed;
            }
            Ended = true;
            return Verdict.EndedBefore;
        }
    }

    static bool IsBlank(ReadOnlySpan<byte> t) => t.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;

    static bool IsBar(ReadOnlySpan<byte> t) => t.Length >= 20 && t.IndexOfAnyExcept((byte)'=') < 0;

    /// <summary>"Call Trace:" (x86), "Call trace:" (arm64), "Backtrace:" (arm32).</summary>
    internal static bool IsStackHeader(ReadOnlySpan<byte> t)
    {
        t = t.TrimStart((byte)' ');
        return t.StartsWith("Call Trace:"u8) || t.StartsWith("Call trace:"u8) || t.StartsWith("Backtrace:"u8);
    }

    /// <summary>Lines that occur inside a dump_stack trace: indented frames and markers, "[&lt;pc&gt;]" frames,
    /// register/code dumps ("RIP: ", "Code: ", "1e80: "), arm32 "Exception stack(", "---[ end trace".</summary>
    internal static bool IsTraceLine(ReadOnlySpan<byte> t)
    {
        byte b = t[0];
        if (b == (byte)' ' || b == (byte)'\t' || b == (byte)'<' || b == (byte)'?') return true;
        if (b == (byte)'[') return t.Length > 2 && (t[1] == (byte)'<' || IsHex(t[1]));
        if (t.StartsWith("---[ end "u8) || t.StartsWith("Exception stack("u8) || t.SequenceEqual("..."u8)) return true;
        if (t.StartsWith("Code: "u8)) return true;
        // register dumps "RIP: 0010:…", "RSP: …", "FS:  …", "CR2: …" and hex rows "1e80: …"
        int upper = 0, hex = 0;
        while (upper < t.Length && upper < 5 && (IsUpper(t[upper]) || char.IsAsciiDigit((char)t[upper]))) upper++;
        while (hex < t.Length && hex < 9 && IsHex(t[hex])) hex++;
        return (upper >= 2 && upper < 5 && upper < t.Length && t[upper] == (byte)':' && IsUpper(b))
            || ((hex == 4 || hex == 8) && hex < t.Length && t[hex] == (byte)':');
    }

    static bool IsHex(byte b) => char.IsAsciiHexDigitLower((char)b) || char.IsAsciiDigit((char)b);
    static bool IsUpper(byte b) => char.IsAsciiLetterUpper((char)b);
}
