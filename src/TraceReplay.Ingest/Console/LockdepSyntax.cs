using System.Globalization;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>A lock line (print_lock) split into its parts (lockdep.md §3.3–3.6).</summary>
public readonly record struct ParsedLock(string Class, string? Usage, string? WaitType, ulong? Address, string? AtFunction);

/// <summary>A frame line split into its parts (lockdep.md §3.7, §3.11).</summary>
public readonly record struct ParsedFrame(string Function, long? Offset, long? Size, string? Module, bool Unreliable);

/// <summary>
/// Grammar pieces shared by all report kinds: lock lines with every era's address/usage/wait-type form, lock class
/// names (spaces, commas, nested parentheses: the class ends at the ")" directly followed by "{USAGE}"), symbols
/// "func+0xOFF/0xSIZE [module]" and the frame line variants of x86, arm64, arm32 and ppc.
/// Runs on report lines only (cold path), over spans of the already materialised line.
/// </summary>
public static class LockdepSyntax
{
    /// <summary>
    /// Parses <c>[INSTANCE SP] "(" CLASS ")" "{" USAGE "}" ["-{" O ":" I "}"] [", at: " ["[&lt;PC&gt;]" SP+] SYM]</c>,
    /// or "&lt;RELEASED&gt;". Leading blanks and a " #i:" held-list index must already be removed.
    /// </summary>
    public static bool TryParseLockLine(ReadOnlySpan<char> s, out ParsedLock parsed)
    {
        parsed = default;
        s = s.Trim();
        if (s.StartsWith("<RELEASED>"))
        {
            parsed = new ParsedLock("<RELEASED>", null, null, null, null);
            return true;
        }
        ulong? address = null;
        if (s.Length > 0 && s[0] != '(')
        {
            int sp = s.IndexOf(' ');
            if (sp < 4 || !ulong.TryParse(s[..sp], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong a))
                return false;
            address = a;
            s = s[(sp + 1)..].TrimStart();
        }
        if (s.Length < 3 || s[0] != '(') return false;
        int close = FindClassEnd(s, out int usageStart, out int usageLen);
        if (close < 0) return false;
        string cls = s[1..close].ToString();
        string usage = s.Slice(usageStart, usageLen).ToString();
        var rest = s[(usageStart + usageLen + 1)..];
        string? wait = null;
        if (rest.StartsWith("-{"))
        {
            int end = rest.IndexOf('}');
            if (end > 2)
            {
                wait = rest[2..end].ToString();
                rest = rest[(end + 1)..];
            }
        }
        string? at = null;
        int atIdx = rest.IndexOf("at: ");
        if (atIdx >= 0) at = SymbolFunction(SkipPc(rest[(atIdx + 4)..]));
        parsed = new ParsedLock(cls, usage, wait, address, at);
        return true;
    }

    /// <summary>
    /// Index of the ")" closing the class name: the first ")" directly followed by "{" + 4 or 6 usage chars + "}".
    /// Falls back to the last ")" on the line for names printed without usage (scenario lines, bare map names).
    /// </summary>
    public static int FindClassEnd(ReadOnlySpan<char> s, out int usageStart, out int usageLen)
    {
        usageStart = usageLen = 0;
        for (int i = 1; i + 1 < s.Length; i++)
        {
            if (s[i] != ')' || s[i + 1] != '{') continue;
            int j = i + 2;
            while (j < s.Length && IsUsageChar(s[j])) j++;
            int n = j - (i + 2);
            if (j < s.Length && s[j] == '}' && (n == 4 || n == 6 || n == 8))
            {
                usageStart = i + 2;
                usageLen = n;
                return i;
            }
        }
        return -1;
    }

    static bool IsUsageChar(char c) => c is '.' or '-' or '+' or '?';

    /// <summary>A class name in parentheses without usage: " (NAME)" → NAME (outer parentheses only).</summary>
    public static string? BareClass(ReadOnlySpan<char> s)
    {
        s = s.Trim();
        if (s.Length >= 2 && s[0] == '(')
        {
            int close = FindClassEnd(s, out _, out _);
            if (close > 0) return s[1..close].ToString();
            int last = s.LastIndexOf(')');
            return last > 1 ? s[1..last].ToString() : null;
        }
        return s.Length > 0 ? s.ToString() : null;
    }

    /// <summary>Skips "[&lt;ffffffff81000000&gt;]" and following blanks.</summary>
    public static ReadOnlySpan<char> SkipPc(ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        while (s.StartsWith("[<"))
        {
            int end = s.IndexOf(">]");
            if (end < 0) break;
            s = s[(end + 2)..].TrimStart();
        }
        return s;
    }

    /// <summary>"rtnl_lock+0x17/0x20 net/core/rtnetlink.c:72" → "rtnl_lock".</summary>
    public static string? SymbolFunction(ReadOnlySpan<char> sym)
    {
        sym = sym.Trim();
        int end = 0;
        while (end < sym.Length && sym[end] is not ('+' or ' ' or '\t' or '(' or ')' or ',')) end++;
        return end == 0 ? null : sym[..end].ToString();
    }

    /// <summary>
    /// Parses one frame line: <c>[SP*] ["[&lt;PC&gt;]" SP]{0,2} ["? "] func+0xOFF/0xSIZE [" [module]"] [suffix]</c>,
    /// ppc <c>[SP] [SP] SYM (unreliable)</c>. The symbol must carry "+0x…/0x…" (bare addresses are not frames).
    /// arm32 "(A) from (B)" lines are handled by <see cref="TryParseArmFrame"/>.
    /// </summary>
    public static bool TryParseFrame(ReadOnlySpan<char> line, out ParsedFrame frame)
    {
        frame = default;
        var s = line.TrimStart();
        for (int k = 0; k < 2 && s.Length > 2 && s[0] == '['; k++)
        {
            int end = s.IndexOf(']');
            if (end < 2 || !IsAddress(s[1..end])) return false;
            s = s[(end + 1)..].TrimStart();
        }
        bool unreliable = false;
        if (s.StartsWith("? "))
        {
            unreliable = true;
            s = s[2..];
        }
        if (s.EndsWith(" (unreliable)"))
        {
            unreliable = true;
            s = s[..^" (unreliable)".Length];
        }
        int tokEnd = s.IndexOf(' ');
        var sym = tokEnd < 0 ? s : s[..tokEnd];
        if (!TrySplitSymbol(sym, out string func, out long off, out long size)) return false;
        string? module = null;
        if (tokEnd >= 0)
        {
            var rest = s[tokEnd..].TrimStart();
            if (rest.StartsWith("[") && rest.IndexOf(']') > 1)
                module = rest[1..rest.IndexOf(']')].ToString();
        }
        frame = new ParsedFrame(func, off, size, module, unreliable);
        return true;
    }

    /// <summary>arm32: "[&lt;80de0078&gt;] (dump_backtrace) from [&lt;80de0574&gt;] (show_stack+0x28/0x2c)".</summary>
    public static bool TryParseArmFrame(ReadOnlySpan<char> line, out string function, out ParsedFrame caller)
    {
        function = "";
        caller = default;
        var s = line.TrimStart();
        if (!s.StartsWith("[<")) return false;
        int from = s.IndexOf(") from [<");
        if (from < 0) return false;
        int open = s.IndexOf("] (");
        if (open < 0 || open > from) return false;
        function = s[(open + 3)..from].ToString();
        var callerPart = s[(from + ") from [<".Length)..];
        int paren = callerPart.IndexOf('(');
        int closeParen = callerPart.LastIndexOf(')');
        if (paren < 0 || closeParen <= paren) return true;
        var sym = callerPart[(paren + 1)..closeParen];
        if (TrySplitSymbol(sym, out string f, out long off, out long size))
            caller = new ParsedFrame(f, off, size, null, false);
        return true;
    }

    /// <summary>"func+0x1d/0x80" → (func, 0x1d, 0x80).</summary>
    public static bool TrySplitSymbol(ReadOnlySpan<char> sym, out string func, out long offset, out long size)
    {
        func = "";
        offset = size = 0;
        int plus = sym.LastIndexOf("+0x");
        if (plus <= 0) return false;
        var tail = sym[(plus + 3)..];
        int slash = tail.IndexOf("/0x");
        if (slash <= 0) return false;
        if (!long.TryParse(tail[..slash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out offset)) return false;
        var sizeText = tail[(slash + 3)..];
        int end = 0;
        while (end < sizeText.Length && Uri.IsHexDigit(sizeText[end])) end++;
        if (end == 0 || !long.TryParse(sizeText[..end], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out size)) return false;
        var name = sym[..plus];
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$')) return false;
        func = name.ToString();
        return true;
    }

    static bool IsAddress(ReadOnlySpan<char> s)
    {
        if (s.Length > 0 && s[0] == '<') s = s[1..];
        if (s.Length > 0 && s[^1] == '>') s = s[..^1];
        if (s.StartsWith("0x")) s = s[2..];
        if (s.Length == 0) return false;
        foreach (char c in s) if (!Uri.IsHexDigit(c)) return false;
        return true;
    }

    /// <summary>"COMM/PID" (COMM may contain '/': split on the last one).</summary>
    public static bool TrySplitTask(ReadOnlySpan<char> s, out string task, out int pid)
    {
        task = "";
        pid = 0;
        s = s.Trim();
        int slash = s.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out pid)) return false;
        task = s[..slash].ToString();
        return true;
    }

    public static bool TryParseHex(ReadOnlySpan<char> s, out ulong value)
    {
        if (s.StartsWith("0x")) s = s[2..];
        return ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
