using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.Intrinsics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Ingest.Ftrace;

/// <summary>Offsets (into the line) and values of an event line's prefix, up to the text after "ts: ".</summary>
struct LinePrefix
{
    public int CommStart, CommLength;
    /// <summary>Interned comm when the task text repeats the previous line's, else -1.</summary>
    public int CommId;
    public int Pid;
    public int Tgid;
    public int Cpu;
    public int FlagsStart, FlagsLength;
    public long Ts;
    public bool CounterTs;
    public bool LatencyTs;
    public int RestStart;
    /// <summary>Where the timestamp starts in a bracketed prefix; 0 for the unbracketed (latency, -l) forms.</summary>
    public int TsStart;
    /// <summary>CPU digits were fused to the flags (latency format, trace-cmd report -l).</summary>
    public bool FusedCpu;
}

// The "comm-pid (tgid) [cpu] flags ts:" prefix in its bracketed form, and the unbracketed latency / trace-cmd -l form
// "comm-pid  CPUflags ts:" where the CPU digits are fused to the flags.
public sealed partial class FtraceTextReader
{
    long _lastTs;

    bool TryParseBracketPrefix(ReadOnlySpan<byte> line, ref LinePrefix p)
    {
        int search = 0;
        while (true)
        {
            int rel = line[search..].IndexOf((byte)'[');
            if (rel < 0)
                return false;
            int open = search + rel;
            int i = open + 1;
            int cpu = 0;
            while (i < line.Length && (uint)(line[i] - '0') <= 9 && i - open <= 6)
                cpu = cpu * 10 + (line[i++] - '0');
            if (i > open + 1 && i < line.Length && line[i] == ']'
                && TryParseTaskBefore(line, open, ref p) && TryParseFlagsAndTs(line, i + 1, ref p))
            {
                p.Cpu = cpu;
                RememberPrefix(line, ref p, i + 1);
                return true;
            }
            search = open + 1;
        }
    }

    // Consecutive lines mostly repeat the last one's bytes up to the timestamp ("  comm-pid   [cpu] flags "): same
    // task, CPU and flags (81% of the lines of a real 6.18 trace), or up to the CPU's ']' with other flags (16%).
    // The bracketed parse of a line depends only on its bytes, and every candidate '[' before the one that parsed
    // fails on bytes up to that '[' (a token running into it holds a '[', so it is neither flags nor a timestamp).
    // So a line with the same bytes up to the ']' parses the same task and CPU, and only the flags and timestamp
    // (or, with the same bytes up to the timestamp, only the timestamp) are parsed again.
    readonly byte[] _lastPrefixBytes = new byte[64];
    /// <summary>Bytes of _lastPrefixBytes up to the timestamp; -1 when nothing is remembered.</summary>
    int _lastPrefixLength = -1;
    /// <summary>Bytes of _lastPrefixBytes up to and including the CPU's ']'.</summary>
    int _lastBracketEnd;
    LinePrefix _lastPrefix;

    void RememberPrefix(ReadOnlySpan<byte> line, ref LinePrefix p, int bracketEnd)
    {
        int n = p.TsStart;
        _lastPrefixLength = n <= _lastPrefixBytes.Length ? n : -1;
        if (_lastPrefixLength < 0)
            return;
        ShortBytes.Copy(line[..n], _lastPrefixBytes);
        _lastBracketEnd = bracketEnd;
        _lastPrefix = p;
    }

    /// <summary>
    /// The last bracketed prefix when this line repeats its bytes up to the timestamp, with this line's timestamp; or
    /// its task and CPU when the line repeats them up to the ']', with this line's flags and timestamp.
    /// </summary>
    bool TryReuseLastPrefix(ReadOnlySpan<byte> line, ref LinePrefix p)
    {
        int n = _lastPrefixLength;
        if (n <= 0 || line.Length <= n)
            return false;
        var last = _lastPrefixBytes.AsSpan(0, n);
        if (ShortBytes.Equal(line[..n], last))
        {
            int afterTs = ParseTimestampToken(line, n, out long ts, out bool counter);
            if (afterTs < 0)
                return false; // the full parse decides (another '[' may still parse)
            p = _lastPrefix;
            p.Ts = ts;
            p.CounterTs = counter;
            p.RestStart = SkipTsDiffAndSpace(line, afterTs);
            return true;
        }
        int bracketEnd = _lastBracketEnd;
        if (!ShortBytes.Equal(line[..bracketEnd], last[..bracketEnd]))
            return false;
        var tmp = _lastPrefix;
        if (!TryParseFlagsAndTs(line, bracketEnd, ref tmp))
            return false; // the full parse decides
        p = tmp;
        RememberPrefix(line, ref p, bracketEnd);
        return true;
    }

    /// <summary>"  comm-pid (tgid) " before the '[' at <paramref name="end"/>; also strips a trace-cmd buffer prefix "name: ".</summary>
    bool TryParseTaskBefore(ReadOnlySpan<byte> line, int end, ref LinePrefix p)
    {
        int e = end;
        while (e > 0 && line[e - 1] == ' ') e--;
        p.Tgid = -1;
        if (e > 0 && line[e - 1] == ')')
        {
            int open = line[..(e - 1)].LastIndexOf((byte)'(');
            if (open < 0)
                return false;
            var inner = line[(open + 1)..(e - 1)].Trim((byte)' ');
            if (inner.IsEmpty)
                return false;
            if (inner[0] != '-' && !TryParseInt(inner, out p.Tgid))
                return false;
            e = open;
            while (e > 0 && line[e - 1] == ' ') e--;
        }
        return TryParseCommPid(line, e, ref p);
    }

    // Consecutive lines mostly come from the same task: the text before the last line's "-pid", where its comm starts
    // in it (after padding and a trace-cmd buffer name) and the comm's id once interned, so a repeat costs one compare.
    readonly byte[] _lastTaskText = new byte[64];
    int _lastTaskTextLength = -1;
    int _lastCommStart;
    int _lastCommId = -1;

    /// <summary>"comm-pid" ending at <paramref name="e"/>; the comm may hold spaces, dashes and colons.</summary>
    bool TryParseCommPid(ReadOnlySpan<byte> line, int e, ref LinePrefix p)
    {
        int d = e;
        while (d > 0 && (uint)(line[d - 1] - '0') <= 9) d--;
        if (d == e || e - d > 9 || d == 0 || line[d - 1] != '-')
            return false;
        p.Pid = ParseDigits(line[d..e]);
        int commEnd = d - 1;
        if (commEnd == _lastTaskTextLength && ShortBytes.Equal(line[..commEnd], _lastTaskText.AsSpan(0, commEnd)))
        {
            p.CommStart = _lastCommStart;
            p.CommLength = commEnd - _lastCommStart;
            p.CommId = _lastCommId;
            return true;
        }
        int commStart = 0;
        while (commStart < commEnd && line[commStart] == ' ') commStart++;
        // trace-cmd prints "buffer: " before the right-aligned comm when the file has instances
        // (short spans: plain loops beat the vectorized search's call overhead here)
        int colon = -1;
        for (int k = commStart; k + 1 < commEnd; k++)
        {
            if (line[k] == ' ') break; // a buffer name has no space before its ": "
            if (line[k] == ':' && line[k + 1] == ' ') { colon = k - commStart; break; }
        }
        if (colon > 0)
        {
            int after = commStart + colon + 2;
            while (after < commEnd && line[after] == ' ') after++;
            if (after < commEnd)
                commStart = after;
        }
        p.CommStart = commStart;
        p.CommLength = commEnd - commStart;
        p.CommId = -1;
        _lastTaskTextLength = commEnd <= _lastTaskText.Length ? commEnd : -1;
        if (_lastTaskTextLength > 0)
            ShortBytes.Copy(line[..commEnd], _lastTaskText);
        _lastCommStart = commStart;
        _lastCommId = -1; // AddEventRow interns it
        return true;
    }

    /// <summary>After "]": optional flags then the timestamp "sec.frac:" (or an integer counter value).</summary>
    bool TryParseFlagsAndTs(ReadOnlySpan<byte> line, int i, ref LinePrefix p)
    {
        while (i < line.Length && line[i] == ' ') i++;
        p.FlagsStart = p.FlagsLength = 0;
        p.TsStart = i;
        int afterTs = ParseTimestampToken(line, i, out p.Ts, out p.CounterTs);
        if (afterTs < 0)
        {
            int tokenEnd = TokenEnd(line, i);
            var token = line[i..tokenEnd];
            // a token ending in ':' is a timestamp that did not parse; anything else must be the flags
            if (token.Length == 0 || token[^1] == ':')
                return false;
            if (!IsLastFlags(token) && !FtraceFlags.IsFlagsToken(token))
                return false;
            p.FlagsStart = i;
            p.FlagsLength = token.Length;
            i = tokenEnd;
            while (i < line.Length && line[i] == ' ') i++;
            p.TsStart = i;
            afterTs = ParseTimestampToken(line, i, out p.Ts, out p.CounterTs);
            if (afterTs < 0)
                return false;
        }
        p.LatencyTs = false;
        p.RestStart = SkipTsDiffAndSpace(line, afterTs);
        return true;
    }

    /// <summary>
    /// The token at <paramref name="i"/> read as a timestamp and its ':' in one pass (what TokenEnd then
    /// TryParseTimestamp accept): returns the index after the ':' (a space or the end), or -1.
    /// </summary>
    static int ParseTimestampToken(ReadOnlySpan<byte> line, int i, out long ns, out bool counter)
    {
        if (i + 24 <= line.Length)
        {
            int fast = ParseShortTimestampToken(line, i, out ns, out counter);
            if (fast != NotShort)
                return fast;
        }
        ns = 0;
        counter = false;
        int start = i;
        long sec = 0;
        while (i < line.Length && (uint)(line[i] - '0') <= 9)
            sec = sec * 10 + (line[i++] - '0');
        if (i == start || i - start > 18 || i >= line.Length)
            return -1;
        long value;
        bool isCounter = line[i] == ':';
        if (isCounter)
        {
            value = sec;
        }
        else
        {
            if (line[i] != '.' || sec > 9_000_000_000L)
                return -1;
            int fracStart = ++i;
            long f = 0;
            while (i < line.Length && (uint)(line[i] - '0') <= 9)
                f = f * 10 + (line[i++] - '0');
            int digits = i - fracStart;
            if (digits == 0 || digits > 9 || i >= line.Length || line[i] != ':')
                return -1;
            for (int k = digits; k < 9; k++)
                f *= 10;
            value = sec * 1_000_000_000L + f;
        }
        i++; // the ':'
        if (i < line.Length && line[i] != ' ')
            return -1;
        ns = value;
        counter = isCounter;
        return i;
    }

    const int NotShort = -2;

    /// <summary>
    /// <see cref="ParseTimestampToken"/> for tokens that fit 16 bytes (all but raw counters of 16+ digits): the digit
    /// runs are found with one vector compare and converted 8 digits at a time, instead of a multiply per digit.
    /// Returns <see cref="NotShort"/> when the token is longer (the caller's loop decides); needs 24 bytes at i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int ParseShortTimestampToken(ReadOnlySpan<byte> line, int i, out long ns, out bool counter)
    {
        ns = 0;
        counter = false;
        var v = Vector128.Create(line.Slice(i, 16));
        uint nonDigits = Vector128.GreaterThan(v - Vector128.Create((byte)'0'), Vector128.Create((byte)9)).ExtractMostSignificantBits();
        if (nonDigits == 0)
            return NotShort;
        int whole = BitOperations.TrailingZeroCount(nonDigits);
        if (whole == 0)
            return -1;
        int end = i + whole;
        byte stop = line[end];
        long value;
        if (stop == ':')
        {
            value = ParseDigitsUpTo15(line, i, whole);
            counter = true;
        }
        else
        {
            if (stop != '.')
                return -1;
            uint afterDot = nonDigits >> (whole + 1);
            if (afterDot == 0)
                return NotShort; // the fraction may run past the vector
            int digits = BitOperations.TrailingZeroCount(afterDot);
            end += 1 + digits;
            if (digits == 0 || digits > 9 || line[end] != ':')
                return -1;
            long sec = ParseDigitsUpTo15(line, i, whole);
            if (sec > 9_000_000_000L)
                return -1;
            value = sec * 1_000_000_000L + ParseDigitsUpTo15(line, i + whole + 1, digits) * FractionScale[digits];
        }
        end++; // the ':'
        if (line[end] != ' ')
        {
            counter = false;
            return -1;
        }
        ns = value;
        return end;
    }

    /// <summary>10^(9 - digits): a fraction of <c>digits</c> digits to nanoseconds.</summary>
    static ReadOnlySpan<long> FractionScale => [0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>1–15 decimal digits at <paramref name="start"/> (8 readable bytes past the last one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long ParseDigitsUpTo15(ReadOnlySpan<byte> line, int start, int count)
    {
        if (count <= 8)
            return (long)EightDigits(line, start, count);
        return (long)EightDigits(line, start, count - 8) * 100_000_000L + (long)EightDigits(line, start + count - 8, 8);
    }

    /// <summary>1–8 digits to their value: left-padded with zeros in one word, then digit pairs, quads and octets merged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong EightDigits(ReadOnlySpan<byte> line, int start, int count)
    {
        ulong x = BinaryPrimitives.ReadUInt64LittleEndian(line.Slice(start, 8)) & 0x0F0F0F0F0F0F0F0FUL;
        x <<= (8 - count) * 8; // the bytes after the digits leave at the top; zeros (leading digits) enter at the bottom
        x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFUL;
        x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFUL;
        return (x * 10000 + (x >> 32)) & 0xFFFFFFFFUL;
    }

    /// <summary>After "ts:": the spaces, and trace-cmd --ts-diff's "(+N)" column when present.</summary>
    static int SkipTsDiffAndSpace(ReadOnlySpan<byte> line, int i)
    {
        // spaces, also the 9 blank columns trace-cmd --ts-diff prints for the first event
        while (i < line.Length && line[i] == ' ') i++;
        if (i + 1 < line.Length && line[i] == '(' && line[i + 1] == '+')
        {
            int close = line[i..].IndexOf((byte)')');
            if (close > 0)
            {
                i += close + 1;
                while (i < line.Length && line[i] == ' ') i++;
            }
        }
        return i;
    }

    /// <summary>
    /// Unbracketed prefixes: tracefs latency-format "  &lt;idle&gt;-0       1dNs2. 119964us+: " (relative µs) and
    /// trace-cmd report -l "instance-11781   1..... 12300.846672: " (absolute). Tried only when the bracketed form fails.
    /// </summary>
    bool TryParseLatencyPrefix(ReadOnlySpan<byte> line, ref LinePrefix p)
    {
        int search = 0;
        while (search < line.Length && search < 96)
        {
            int rel = line[search..].IndexOf((byte)'-');
            if (rel < 0)
                return false;
            int dash = search + rel;
            search = dash + 1;
            int i = dash + 1;
            while (i < line.Length && (uint)(line[i] - '0') <= 9) i++;
            if (i == dash + 1 || i >= line.Length || line[i] != ' ')
                continue;
            int pidEnd = i;
            while (i < line.Length && line[i] == ' ') i++;
            int cpuStart = i;
            int cpu = 0;
            while (i < line.Length && (uint)(line[i] - '0') <= 9 && i - cpuStart < 5)
                cpu = cpu * 10 + (line[i++] - '0');
            if (i == cpuStart)
                continue;
            int flagsEnd = TokenEnd(line, i);
            int tsStart;
            if (FtraceFlags.IsFlagsToken(line[i..flagsEnd]))
            {
                tsStart = flagsEnd;
                while (tsStart < line.Length && line[tsStart] == ' ') tsStart++;
            }
            else if (flagsEnd - i > 5 && FtraceFlags.IsFlagsToken(line.Slice(i, 5)))
            {
                // trace-cmd -l with a raw clock prints no space before the timestamp: "0.....30057012021685:"
                flagsEnd = tsStart = i + 5;
            }
            else
            {
                continue;
            }
            if (!TryParseLatencyOrAbsoluteTs(line, tsStart, ref p))
                continue;
            var tmp = p;
            if (!TryParseCommPid(line, pidEnd, ref tmp))
                continue;
            p = tmp;
            p.TsStart = 0; // a bracketed attempt may have set it: this prefix is not one to remember
            p.Tgid = -1;
            p.Cpu = cpu;
            p.FusedCpu = true;
            p.FlagsStart = i;
            p.FlagsLength = flagsEnd - i;
            return true;
        }
        return false;
    }

    bool TryParseLatencyOrAbsoluteTs(ReadOnlySpan<byte> line, int i, ref LinePrefix p)
    {
        int tokenEnd = TokenEnd(line, i);
        var token = line[i..tokenEnd];
        if (token.Length >= 2 && token[^1] == ':' && TryParseTimestamp(token[..^1], out p.Ts, out p.CounterTs))
        {
            p.LatencyTs = false;
            p.RestStart = SkipTsDiffAndSpace(line, tokenEnd);
            return true;
        }
        // "119964us+:" / "   4us : " — relative microseconds and a delay marker
        int d = i;
        long us = 0;
        while (d < line.Length && (uint)(line[d] - '0') <= 9 && d - i < 18)
            us = us * 10 + (line[d++] - '0');
        if (d == i || d + 2 >= line.Length || line[d] != 'u' || line[d + 1] != 's')
            return false;
        d += 2;
        if (line[d] != ':')
        {
            if ("!+#*@$ "u8.IndexOf(line[d]) < 0 || d + 1 >= line.Length || line[d + 1] != ':')
                return false;
            d++;
        }
        p.Ts = us * 1000;
        p.CounterTs = false;
        p.LatencyTs = true;
        p.RestStart = SkipTsDiffAndSpace(line, d + 1);
        return true;
    }

    static int TokenEnd(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && line[i] != ' ') i++;
        return i;
    }

    /// <summary>"12300.846672" (µs), "12300.846671767" (ns) or "30057012021685" (counter/raw clock).</summary>
    static bool TryParseTimestamp(ReadOnlySpan<byte> s, out long ns, out bool counter)
    {
        // one pass: whole digits up to the first '.', then the fraction
        ns = 0;
        counter = false;
        int i = 0;
        long sec = 0;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
            sec = sec * 10 + (s[i++] - '0');
        if (i == 0 || i > 18)
            return false;
        if (i == s.Length)
        {
            counter = true;
            ns = sec;
            return true;
        }
        if (s[i] != '.')
            return false;
        var frac = s[(i + 1)..];
        if (frac.Length == 0 || frac.Length > 9 || sec > 9_000_000_000L)
            return false;
        long f = 0;
        foreach (byte b in frac)
        {
            if ((uint)(b - '0') > 9) return false;
            f = f * 10 + (b - '0');
        }
        for (int k = frac.Length; k < 9; k++)
            f *= 10;
        ns = sec * 1_000_000_000L + f;
        return true;
    }

    static bool TryParseInt(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 9)
            return false;
        foreach (byte b in s)
        {
            if ((uint)(b - '0') > 9) return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    static int ParseDigits(ReadOnlySpan<byte> s)
    {
        int v = 0;
        foreach (byte b in s)
            v = v * 10 + (b - '0');
        return v;
    }

    // hot and loop-free: fully optimised at first call instead of starting at tier 0 (~6% of a 3.5 M event run was tier-0 code)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void AddEventRow(EventChunk chunk, ReadOnlySpan<byte> line, ref LinePrefix p, long lineNumber, long offset)
    {
        // every column is set below or by FillBody (Event, Kind, payload), so the row skips AddRow's resets
        int row = chunk.AddRowUnset();
        chunk.Seq[row] = _seq++;
        chunk.Line[row] = lineNumber;
        chunk.ByteOffset[row] = offset;
        chunk.TsNs[row] = p.Ts;
        _lastTs = p.Ts;
        chunk.Cpu[row] = p.Cpu;
        if (p.Cpu > Info.MaxCpuSeen) Info.MaxCpuSeen = p.Cpu;
        chunk.Pid[row] = p.Pid;
        chunk.Tgid[row] = p.Tgid;
        int comm = p.CommId;
        if (comm < 0)
        {
            // the prefix parse's last TryParseCommPid was this line's: its cache entry gets the id
            comm = _intern.Id(line.Slice(p.CommStart, p.CommLength));
            _lastCommId = comm;
            // and so was its last RememberPrefix (a line that did not fit in the chunk is parsed again first)
            if (p.TsStart > 0)
                _lastPrefix.CommId = comm;
        }
        chunk.Comm[row] = comm;
        if (p.FlagsLength > 0)
        {
            var flags = line.Slice(p.FlagsStart, p.FlagsLength);
            if (!IsLastFlags(flags))
            {
                _lastFlags = PackFlags(flags);
                _lastFlagsId = _intern.Id(flags);
                if (Info.FlagsWidth == 0) Info.FlagsWidth = flags.Length;
                if (_flagsLayout is { } layout)
                    DecodeWithLayout(flags, layout);
                else
                    FtraceFlags.Decode(flags, HasMigrateColumn(flags.Length), out _lastContext, out _lastNeedResched,
                        out _lastPreemptDepth, out _lastMigrateDisable);
            }
            chunk.Flags[row] = _lastFlagsId;
            chunk.Context[row] = _lastContext;
            chunk.NeedResched[row] = _lastNeedResched;
            chunk.PreemptDepth[row] = _lastPreemptDepth;
            chunk.MigrateDisable[row] = _lastMigrateDisable;
        }
        else
            chunk.SetNoFlags(row);
        if ((p.CounterTs && !Info.CounterClock) || Info.Variant.Length == 0)
            NoteVariant(ref p);
        FillBody(chunk, row, line[p.RestStart..]);
    }

    // Consecutive events mostly carry the same flags: keep the last one decoded (packed with its length; 4–8 bytes).
    ulong _lastFlags;
    int _lastFlagsId;
    ContextBits _lastContext;
    byte _lastNeedResched;
    sbyte _lastPreemptDepth, _lastMigrateDisable;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool IsLastFlags(ReadOnlySpan<byte> token) => token.Length is >= 4 and <= 7 && PackFlags(token) == _lastFlags;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong PackFlags(ReadOnlySpan<byte> token)
    {
        if (token.Length is < 4 or > 7)
            return 0;
        // byte i at bits 8i: the first four and the last four bytes overlap on the same values
        uint head = BinaryPrimitives.ReadUInt32LittleEndian(token);
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(token[^4..]);
        return ((ulong)token.Length << 56) | head | ((ulong)tail << (8 * (token.Length - 4)));
    }

    /// <summary>5-column flags carry migrate-disable unless the header said the trace is from the 4-column era.</summary>
    bool HasMigrateColumn(int width) => _legendColumns switch
    {
        4 => false,
        >= 5 => true,
        _ => width >= 5,
    };

    void NoteVariant(ref LinePrefix p)
    {
        if (p.CounterTs && !Info.CounterClock)
        {
            Info.CounterClock = true;
            if (Info.Clock.Length == 0) Info.Clock = "counter";
        }
        if (Info.Variant.Length != 0)
            return;
        if (p.LatencyTs) Info.Variant = "latency";
        else if (_sawReportHeader) Info.Variant = p.FusedCpu ? "trace-cmd-report-l" : "trace-cmd-report";
        else if (_sawTracerHeader) Info.Variant = "tracefs";
        else Info.Variant = "trace_pipe";
    }
}
