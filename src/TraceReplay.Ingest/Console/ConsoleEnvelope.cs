namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>
/// What surrounded a console line's payload (lockdep.md §2): printk time, caller id, log level. Caller is 0 when the
/// line has no caller id, pid+1 for "[T pid]" (task context) and -(cpu+1) for "[C cpu]" (interrupt context).
/// </summary>
public readonly record struct ConsoleEnvelope(long TimestampNs, int Caller, int Level)
{
    public static readonly ConsoleEnvelope None = new(-1, 0, -1);

    public static string CallerName(int caller) => caller switch
    {
        0 => "",
        > 0 => "T" + (caller - 1),
        _ => "C" + (-caller - 1),
    };
}

/// <summary>
/// Strips the envelope of one console line in any of the forms users have (dmesg, dmesg -x/-T, /dev/kmsg records,
/// serial consoles with a glued login prompt, syslog/journal lines, quoted pastes) without allocating:
/// <code>[ "** N printk messages dropped ** " ] [ quote ] [ syslog | dmesg -x ] [ ANY " login: " ] [ kmsg ] [ "&lt;N&gt;" ]
/// [ "[" SP* SECS "." FRAC "]" ] [ "[" SP* ("T"|"C") DIGITS "]" ] [ SP ] PAYLOAD</code>
/// Every part is optional; a line with none of them is all payload (plain serial output).
/// </summary>
public static class ConsoleEnvelopeParser
{
    public static ReadOnlySpan<byte> Strip(ReadOnlySpan<byte> line, out ConsoleEnvelope envelope)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        long ts = -1;
        int caller = 0, level = -1;
        var s = line;

        if (s.Length > 0 && s[0] == (byte)'*') s = SkipDropped(s);
        s = SkipQuote(s);
        if (s.Length > 0 && !IsPrefixStart(s[0]))
        {
            if (TrySyslog(s, out var afterSyslog) || TryDmesgFacility(s, out afterSyslog)) s = afterSyslog;
            else if (TryLogin(s, out var afterLogin)) s = afterLogin;
        }
        if (s.Length > 0 && char.IsAsciiDigit((char)s[0]) && TryKmsg(s, out var afterKmsg, out level, out ts, out caller))
            s = afterKmsg;
        if (s.Length > 2 && s[0] == (byte)'<' && TryLevel(s, out var afterLevel, out int lv))
        {
            s = afterLevel;
            level = lv;
        }
        bool bracketed = false;
        if (s.Length > 2 && s[0] == (byte)'[' && TryTimestamp(s, out var afterTs, out long t))
        {
            s = afterTs;
            ts = t;
            bracketed = true;
        }
        if (s.Length > 3 && s[0] == (byte)'[' && TryCaller(s, out var afterCaller, out int c))
        {
            s = afterCaller;
            caller = c;
            bracketed = true;
        }
        if (bracketed && s.Length > 0 && s[0] == (byte)' ') s = s[1..];
        envelope = new ConsoleEnvelope(ts, caller, level);
        return s;
    }

    static bool IsPrefixStart(byte b) => b == (byte)'[' || b == (byte)'<';

    static ReadOnlySpan<byte> SkipDropped(ReadOnlySpan<byte> s)
    {
        if (!s.StartsWith("** "u8)) return s;
        int end = s.IndexOf(" printk messages dropped ** "u8);
        return end < 0 ? s : s[(end + " printk messages dropped ** "u8.Length)..];
    }

    /// <summary>Mail/GitHub pastes: "&gt; " quotes and indentation, only when a kernel prefix follows.</summary>
    static ReadOnlySpan<byte> SkipQuote(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == (byte)'>' || s[i] == (byte)' ' || s[i] == (byte)'\t')) i++;
        // only before a timestamp "[ 12.3]"/"[12.3]" or a level "<4>": " [<pc>] sym" and " <IRQ>" are payload
        if (i == 0 || i + 1 >= s.Length) return s;
        bool ts = s[i] == (byte)'[' && (s[i + 1] == (byte)' ' || IsDigit(s[i + 1]));
        bool level = s[i] == (byte)'<' && IsDigit(s[i + 1]);
        return ts || level ? s[i..] : s;
    }

    /// <summary>"Nov  6 16:23:32 host kernel: " or "2024-11-06T16:23:32.123456+00:00 host kernel: ".</summary>
    static bool TrySyslog(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest)
    {
        rest = s;
        bool month = s.Length > 16 && IsUpper(s[0]) && IsLower(s[1]) && IsLower(s[2]) && s[3] == (byte)' ';
        bool iso = s.Length > 20 && IsDigit(s[0]) && IsDigit(s[3]) && s[4] == (byte)'-' && s[10] == (byte)'T';
        if (!month && !iso) return false;
        var head = s[..Math.Min(s.Length, 120)];
        int k = head.IndexOf(" kernel: "u8);
        if (k < 0)
        {
            // journalctl -o short-monotonic and friends end the host part with "kernel:" at line end for blank payloads
            if (!head.EndsWith(" kernel:"u8)) return false;
            rest = default;
            return true;
        }
        rest = s[(k + " kernel: "u8.Length)..];
        return true;
    }

    /// <summary>dmesg -x: "kern  :warn  : ".</summary>
    static bool TryDmesgFacility(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest)
    {
        rest = s;
        int i = 0;
        while (i < s.Length && i < 9 && (IsLower(s[i]) || IsDigit(s[i]))) i++;
        if (i < 3) return false;
        while (i < s.Length && s[i] == (byte)' ') i++;
        if (i >= s.Length || s[i] != (byte)':') return false;
        int j = ++i;
        while (i < s.Length && IsLower(s[i])) i++;
        if (i - j < 3) return false;
        while (i < s.Length && s[i] == (byte)' ') i++;
        if (i + 1 >= s.Length || s[i] != (byte)':' || s[i + 1] != (byte)' ') return false;
        rest = s[(i + 2)..];
        return true;
    }

    /// <summary>A getty prompt glued before the first kernel line: "syzkaller login: [   16.305150] ...".</summary>
    static bool TryLogin(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest)
    {
        rest = s;
        int k = s.IndexOf(" login: "u8);
        if (k < 0) return false;
        var after = s[(k + " login: "u8.Length)..];
        if (after.Length < 3 || !IsPrefixStart(after[0])) return false;
        rest = after;
        return true;
    }

    /// <summary>/dev/kmsg record: "LEVEL,SEQ,USEC,FLAGS[,caller=T1];payload".</summary>
    static bool TryKmsg(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest, out int level, out long ts, out int caller)
    {
        rest = s;
        level = -1;
        ts = -1;
        caller = 0;
        int semi = s[..Math.Min(s.Length, 64)].IndexOf((byte)';');
        if (semi < 5) return false;
        var head = s[..semi];
        int i = 0;
        if (!ReadUInt(head, ref i, out long lv) || i >= head.Length || head[i++] != (byte)',') return false;
        if (!ReadUInt(head, ref i, out _) || i >= head.Length || head[i++] != (byte)',') return false;
        if (!ReadUInt(head, ref i, out long usec) || i >= head.Length || head[i++] != (byte)',') return false;
        var flags = head[i..];
        int comma = flags.IndexOf((byte)',');
        var flag = comma < 0 ? flags : flags[..comma];
        if (flag.Length > 1) return false;
        if (comma >= 0)
        {
            var extra = flags[(comma + 1)..];
            int ci = extra.IndexOf("caller="u8);
            if (ci >= 0)
            {
                var c = extra[(ci + 7)..];
                int cl = c.IndexOf((byte)',');
                if (cl >= 0) c = c[..cl];
                TryCallerId(c, out caller);
            }
        }
        level = (int)(lv & 7);
        ts = usec * 1000;
        rest = s[(semi + 1)..];
        return true;
    }

    static bool TryLevel(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest, out int level)
    {
        rest = s;
        level = -1;
        int i = 1;
        if (!ReadUInt(s, ref i, out long lv) || i - 1 > 4 || i >= s.Length || s[i] != (byte)'>') return false;
        level = (int)(lv & 7);
        rest = s[(i + 1)..];
        return true;
    }

    /// <summary>"[  12.345678]" (printk time) or "[Tue Nov 26 10:00:00 2024]" (dmesg -T, time kept as unknown).</summary>
    static bool TryTimestamp(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest, out long ns)
    {
        rest = s;
        ns = -1;
        int i = 1;
        while (i < s.Length && s[i] == (byte)' ') i++;
        int start = i;
        if (!ReadUInt(s, ref i, out long secs) || i >= s.Length)
            return TryHumanTimestamp(s, out rest);
        if (s[i] != (byte)'.') return false;
        int fracStart = ++i;
        if (!ReadUInt(s, ref i, out long frac) || i >= s.Length || s[i] != (byte)']') return false;
        int digits = i - fracStart;
        if (digits > 9 || i - start > 24) return false;
        long scale = 1;
        for (int d = digits; d < 9; d++) scale *= 10;
        ns = secs * 1_000_000_000 + frac * scale;
        rest = s[(i + 1)..];
        return true;
    }

    static bool TryHumanTimestamp(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest)
    {
        rest = s;
        if (s.Length < 26 || !IsUpper(s[1]) || !IsLower(s[2]) || s[4] != (byte)' ') return false;
        int close = s[..Math.Min(s.Length, 40)].IndexOf((byte)']');
        if (close < 20 || s[..close].IndexOf((byte)':') < 0) return false;
        rest = s[(close + 1)..];
        return true;
    }

    static bool TryCaller(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> rest, out int caller)
    {
        rest = s;
        caller = 0;
        int i = 1;
        while (i < s.Length && s[i] == (byte)' ') i++;
        int close = s[..Math.Min(s.Length, 16)].IndexOf((byte)']');
        if (close <= i || !TryCallerId(s[i..close], out caller)) return false;
        rest = s[(close + 1)..];
        return true;
    }

    static bool TryCallerId(ReadOnlySpan<byte> id, out int caller)
    {
        caller = 0;
        if (id.Length < 2 || (id[0] != (byte)'T' && id[0] != (byte)'C')) return false;
        int i = 1;
        if (!ReadUInt(id, ref i, out long n) || i != id.Length || n > int.MaxValue - 1) return false;
        caller = id[0] == (byte)'T' ? (int)n + 1 : -(int)n - 1;
        return true;
    }

    static bool ReadUInt(ReadOnlySpan<byte> s, ref int i, out long value)
    {
        value = 0;
        int start = i;
        while (i < s.Length && char.IsAsciiDigit((char)s[i]) && i - start < 18)
            value = value * 10 + (s[i++] - (byte)'0');
        return i > start;
    }

    static bool IsDigit(byte b) => char.IsAsciiDigit((char)b);
    static bool IsUpper(byte b) => char.IsAsciiLetterUpper((char)b);
    static bool IsLower(byte b) => char.IsAsciiLetterLower((char)b);
}
