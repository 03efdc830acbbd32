using System.Text;
using System.Text.RegularExpressions;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>
/// Titles in syzkaller's convention (pkg/report/linux.go, report.go; lockdep.md §6) so reports join with syzbot data:
/// "possible deadlock in F", "inconsistent lock state in F", "WARNING: suspicious RCU usage in F", ... where F is the
/// guilty frame: taken from the "at:" lock sites or the stack, skipping lock/alloc/printk/... helpers, with syscall
/// prefixes stripped. Also computes syzkaller's corruption verdict (no stack trace, frame extraction failed, a
/// timestamp inside the title). This runs once per report, so it may use regular expressions.
/// Re-implemented from the documented behaviour, not copied.
/// </summary>
public static partial class SyzkallerTitle
{
    const RegexOptions Opts = RegexOptions.CultureInvariant | RegexOptions.Compiled;
    const string Pc = @"\[\<?(?:0x)?[0-9a-f]+\>?\]";
    const string Func = @"([a-zA-Z0-9_]+)(?:\.|\+)";

    static readonly Regex AtPcOptional = new($"at: (?:{Pc} +)?{Func}", Opts);
    static readonly Regex AtPcRequired = new($"at: {Pc} +{Func}", Opts);
    static readonly Regex AtNoPc = new($"at: {Func}", Opts);
    static readonly Regex AtOptSpacePc = new($"at:(?: {Pc})? +{Func}", Opts);
    static readonly Regex PcFunc = new($"{Pc} +{Func}", Opts);
    static readonly Regex CallTrace = new(@"(?:Call (?:T|t)race:)|(?:Backtrace:)", Opts);
    static readonly Regex WhichBecame = new(@"which became (?:.*) at:", Opts);
    static readonly Regex RipFrame = new(
        $@"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{Pc} +){{0,2}}{Func}|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?{Pc} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))|--- interrupt: [0-9]+ at {Func}",
        Opts);
    static readonly Regex KasanIn = new($@"BUG: KASAN: (?:[a-z\-]+) in {Func}", Opts);
    static readonly Regex KasanInvalidFreeIn = new($@"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {Func}", Opts);
    static readonly Regex KasanAccess = new(@"(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)", Opts);
    static readonly Regex Source = new(@"([a-zA-Z0-9-_/.]+\.[a-z]+:[0-9]+)", Opts);
    static readonly Regex LastFunction = new(@"last function: ([a-zA-Z0-9_]+)$", Opts);
    static readonly Regex TimestampInTitle = new(@"\[ *[0-9]+\.[0-9]+\]", Opts);

    static readonly Regex[] FrameLine =
    [
        new($@"^ *(?:{Pc} ){{0,2}}{Func}", Opts),
        new($@"^ *{Pc} \(([a-zA-Z0-9_.]+)\) from {Pc} \({Func}", Opts),
    ];
    static readonly Regex StackStart = new(
        @"Call (?:T|t)race|Allocated:|Allocated by task [0-9]+:|Freed:|Freed by task [0-9]+:|[^k] backtrace:|Backtrace:|Uninit was stored to memory at",
        Opts);
    static readonly Regex CorruptedLine = new($@"^( {Pc})? should_fail(slab)?(\.[a-z0-9.]+)?\+0x", Opts);

    /// <summary>syzkaller's frame skip list (substring regexes), kept in its order.</summary>
    static readonly string[] SkipPatterns =
    [
        "__sanitizer", "__asan", "kasan", "__msan", "kmsan", "kcsan_setup_watchpoint", "check_memory_region",
        "check_heap_object", "check_object", "read_word_at_a_time", "(read|write)_once_.*nocheck", "print_address_description",
        "panic", "invalid_op", "report_bug", "fixup_bug", "print_report", "print_usage_bug", "do_error", "_trap$|do_trap",
        "show_stack", "dump_stack", "walk_stack", "dump_backtrace", "warn_slowpath", "warn_alloc", "warn_bogus", "__warn",
        "alloc_page", "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab", "folio_alloc", "filemap_alloc_folio",
        "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio", "read_cache_page", "pagecache_get_page",
        "grab_cache_page_write_begin", "slab_", "debug_object", "timer_is_static_object", "work_is_static_object",
        "__might_fault", "print_unlock", "imbalance_bug", "lockdep", "bh_enable", "bh_disable", "perf_trace", "lock_acquire",
        "lock_release", "lock_class", "mark_lock", "(reacquire|mark)_held_locks", "raw_spin_rq", "spin_lock", "spin_trylock",
        "spin_unlock", "read_lock", "read_trylock", "write_lock", "write_trylock", "read_unlock", "write_unlock", "^down$",
        "down_read", "down_write", "down_read_trylock", "down_write_trylock", "down_trylock", "up_read", "up_write",
        "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
        "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)", "(set|clear|change|test)_bit",
        "__wake_up", "^refcount_", "^kref_", "ref_tracker", "seqprop_assert", "memcpy", "memcmp", "memset", "memchr",
        "memmove", "memdup", "strcmp", "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen", "strstr", "strnstr",
        "strnlen", "strchr", "strdup", "strndup", "copy_to_user", "copy_from_user", "copy_to_iter", "copy_from_iter",
        "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter", "^copyin$", "^copyout$", "put_user", "get_user",
        "might_fault", "might_sleep", "list_add", "list_del", "list_replace", "list_move", "list_splice", "^rb_", "^__rb_",
        "_indirect_thunk_", "string", "pointer", "snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk", "va_format",
        "dev_info", "dev_notice", "dev_warn", "dev_err", "dev_alert", "dev_crit", "dev_emerg", "program_check_exception",
        "program_check_common", "del_timer", "flush_work", "__cancel_work_timer", "cancel_work_sync", "try_to_grab_pending",
        "flush_workqueue", "drain_workqueue", "destroy_workqueue", "queue_work", "finish_wait", "kthread_stop", "kobject_",
        "add_uevent_var", "get_device_parent", "device_add", "device_del", "device_unregister", "device_destroy",
        "device_release", "devres_release_all", "hwrng_unregister", "i2c_del_adapter", "__unregister_client",
        "device_for_each_child", "rollback_registered", "unregister_netdev", "sysfs_remove", "device_remove_file",
        "tty_unregister_device", "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs", "usb_control_msg",
        "usb_hcd_submit_urb", "usb_submit_urb", "^complete$", "wait_for_completion", "^kv?free$", "kfree_skb", "readb$",
        "readw$", "readl$", "readq$", "writeb$", "writew$", "writel$", "writeq$", "logic_in", "logic_out", @"^crc\d+",
        "crc_itu_t", "__might_resched", "assertfail", "^iput$", "^iput_final$", "^ihold$", "hex_dump_to_buffer",
        "print_hex_dump", "^klist_", "(trace|lockdep)_(hard|soft)irq", "^(un)?lock_page", "stack_trace_consume_entry",
        "arch_stack_walk", "stack_trace_save", "insert_work", "__queue_delayed_work", "queue_delayed_work_on",
        "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?", "print_tainted",
        "xas_(?:start|load|find)", "find_lock_entries", "truncate_inode_pages_range",
    ];

    static readonly string[] StripPrefixes =
        ["SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_", "__sys_", "__se_", "__do_sys_",
         "compat_SYSC_", "compat_SyS_", "ksys_"];

    static readonly Dictionary<string, SkipMatcher> SkipCache = new();

    static SkipMatcher Skip(params string[] extra)
    {
        string key = string.Join("|", extra);
        lock (SkipCache)
        {
            if (!SkipCache.TryGetValue(key, out var m))
                SkipCache[key] = m = new SkipMatcher(new Regex(string.Join("|", SkipPatterns.Concat(extra)), RegexOptions.CultureInvariant));
            return m;
        }
    }

    /// <summary>The skip regex with a memo: the same few hundred kernel functions recur in every report.</summary>
    sealed class SkipMatcher(Regex regex)
    {
        readonly Dictionary<string, bool> _memo = new(StringComparer.Ordinal);

        public bool IsMatch(string frame)
        {
            lock (_memo)
            {
                if (_memo.TryGetValue(frame, out bool skip)) return skip;
                if (_memo.Count > 100_000) _memo.Clear();
                return _memo[frame] = regex.IsMatch(frame);
            }
        }
    }

    /// <summary>A pattern step of a frame search: a regex to find (capturing or not) or "parse a stack trace here".</summary>
    readonly record struct Part(Regex? Pattern)
    {
        public static readonly Part ParseStack = new(null);
    }

    /// <summary>Sets <see cref="LockdepReport.Title"/> and adds syzkaller's corruption reasons.</summary>
    public static void Apply(LockdepReport report)
    {
        // syzkaller reads lines without "?" (questionable) frames; its report text starts at the title line
        var lines = new List<string>(report.Lines.Count);
        foreach (var l in report.Lines)
            if (!IsQuestionable(l.Text)) lines.Add(l.Text);
        var (title, problem, noStack) = Compute(report.Kind, lines);
        title = Sanitize(title);
        report.Title = title;
        if (problem is not null) report.CorruptionReasons.Add(problem);
        if (TimestampInTitle.IsMatch(title)) report.CorruptionReasons.Add("timestamp inside the title");
        if (problem is null && !noStack && StackProblem(lines) is { } stackProblem) report.CorruptionReasons.Add(stackProblem);
    }

    /// <summary>syzkaller drops "?" frame lines (unanchored "([&lt;pc&gt;])? \? ") unless the line holds "&lt;EOI&gt;".</summary>
    static bool IsQuestionable(string text)
        => text.Contains(" ? ", StringComparison.Ordinal) && !text.Contains("<EOI>", StringComparison.Ordinal);

    static (string Title, string? Problem, bool NoStack) Compute(LockdepKind kind, List<string> lines)
    {
        string first = lines.Count > 0 ? lines[0] : "";
        bool old = first.TrimStart().StartsWith("[ ", StringComparison.Ordinal) || first.Contains("INFO: ", StringComparison.Ordinal);
        string prefix = first.Contains("BUG: ", StringComparison.Ordinal) ? "BUG" : "WARNING";
        Regex at = old ? AtPcRequired : AtPcOptional;
        switch (kind)
        {
            case LockdepKind.CircularLocking:
                if (old) return After(lines, "is trying to acquire lock", at, f => $"possible deadlock in {f}");
                if (IndexOfLine(lines, 1, "is trying to acquire lock") < 0) return Raw(lines, "WARNING:");
                return Stack(lines, f => $"possible deadlock in {f}",
                    [new(AtPcOptional), new(AtPcOptional), Part.ParseStack],
                    null, Skip("process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"));
            case LockdepKind.IrqLockInversion:
                return After(lines, "just changed the state of lock", at, f => $"possible deadlock in {f}");
            case LockdepKind.RecursiveLocking:
                return After(lines, "is trying to acquire lock", at, f => $"possible deadlock in {f}");
            case LockdepKind.IrqSafeToUnsafe:
                if (old) return After(lines, "is trying to acquire", at, f => $"possible deadlock in {f}");
                return Stack(lines, f => $"possible deadlock in {f}", [new(WhichBecame), Part.ParseStack], null, Skip());
            case LockdepKind.InconsistentLockState:
                if (old) return After(lines, "takes", at, f => $"inconsistent lock state in {f}");
                if (After(lines, "takes", at, f => f).Problem is not null) return Raw(lines, "WARNING:");
                return Stack(lines, f => $"inconsistent lock state in {f}", [new(CallTrace), Part.ParseStack], null, Skip());
            case LockdepKind.SuspiciousRcuUsage:
            {
                string head = old ? "INFO" : "WARNING";
                if (!lines.Skip(1).Any(l => Source.IsMatch(l))) return Raw(lines, head + ":");
                return Stack(lines, f => $"{head}: suspicious RCU usage in {f}", [new(CallTrace), Part.ParseStack], null,
                    Skip("rcu", "kmem", "slab"));
            }
            case LockdepKind.BadUnlockBalance:
                return Stack(lines, f => $"{prefix}: bad unlock balance in {f}", [new(PcFunc), new(CallTrace), Part.ParseStack], null, Skip());
            case LockdepKind.HeldLockFreed:
                return prefix == "BUG"
                    ? After(lines, null, PcFunc, f => $"BUG: held lock freed in {f}")
                    : After(lines, null, AtOptSpacePc, f => $"WARNING: held lock freed in {f}");
            case LockdepKind.StillHasLocksHeld:
                return prefix == "BUG"
                    ? After(lines, null, PcFunc, f => $"BUG: still has locks held in {f}")
                    : After(lines, null, AtNoPc, f => $"WARNING: still has locks held in {f}");
            case LockdepKind.LockHeldReturningToUser:
            {
                var t = After(lines, "leaving the kernel with locks still held", AtPcOptional,
                    f => $"{prefix}: lock held when returning to user space in {f}");
                return (t.Title, t.Problem, true);
            }
            case LockdepKind.NestedLockNotTaken:
                return Stack(lines, f => $"WARNING: nested lock was not taken in {f}", [new(RipFrame), Part.ParseStack],
                    [new(CallTrace), Part.ParseStack], Skip());
            case LockdepKind.LockingBug:
            {
                // "BUG: looking up invalid subclass", "BUG: key … has not been registered!": no syzkaller format, raw line
                if (first.Contains("BUG: ", StringComparison.Ordinal)) return (RawLine(first), null, false);
                if (first.Contains("lock_", StringComparison.Ordinal))
                    return Stack(lines, f => $"WARNING: locking bug in {f}", [new(RipFrame), Part.ParseStack],
                        [new(CallTrace), Part.ParseStack], Skip("lock_sock", "release_sock"));
                return Stack(lines, f => $"WARNING in {f}", [new(RipFrame), Part.ParseStack], [new(CallTrace), Part.ParseStack], Skip());
            }
            case LockdepKind.InvalidWaitContext:
                return Stack(lines, f => $"WARNING: locking bug in {f}", [new(CallTrace), Part.ParseStack], null,
                    Skip("lock_sock", "release_sock"));
            case LockdepKind.NonStaticKey:
                return Stack(lines, f => $"INFO: trying to register non-static key in {f}", [new(CallTrace), Part.ParseStack], null,
                    Skip("stack", "lock", "IRQ"));
            case LockdepKind.SleepingInAtomic:
                return Stack(lines, f => $"BUG: sleeping function called from invalid context in {f}", [new(CallTrace), Part.ParseStack], null, Skip());
            case LockdepKind.SchedulingWhileAtomic:
                return Stack(lines, f => $"BUG: scheduling while atomic in {f}", [new(CallTrace), Part.ParseStack], null, Skip("schedule"));
            case LockdepKind.WorkqueueLeakedLock:
            {
                var t = After(lines, null, LastFunction, f => $"BUG: workqueue leaked lock or atomic in {f}");
                return (t.Title, t.Problem, true);
            }
            case LockdepKind.Kasan:
                return Kasan(lines);
            case LockdepKind.BadContention:
            case LockdepKind.LockdepLimit:
            default:
                // syzkaller has no format for these: the title is the report line itself
                return (RawLine(first), null, true);
        }
    }

    static (string, string?, bool) Kasan(List<string> lines)
    {
        string first = lines[0];
        var inv = KasanInvalidFreeIn.Match(first);
        if (inv.Success)
            return Stack(lines, f => $"KASAN: invalid-free in {f}", [new(KasanInvalidFreeIn), new(CallTrace), Part.ParseStack], null,
                Skip("slab_", "kfree", "vunmap", "vfree"));
        int kt = first.IndexOf("BUG: KASAN: ", StringComparison.Ordinal);
        var rest = first[(kt + "BUG: KASAN: ".Length)..];
        int sp = rest.IndexOf(' ');
        string type = sp < 0 ? rest : rest[..sp];
        string? access = null;
        for (int i = 1; i < lines.Count && access is null; i++)
        {
            var m = KasanAccess.Match(lines[i]);
            if (m.Success) access = m.Groups[1].Value;
        }
        if (!KasanIn.IsMatch(first) || access is null)
            return ("KASAN: " + rest, "report format is marked as corrupted", false);
        return Stack(lines, f => $"KASAN: {type} {access} in {f}", [new(KasanIn), new(CallTrace), Part.ParseStack], null,
            Skip("kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"));
    }

    /// <summary>The first <paramref name="pattern"/> match at or after the line containing <paramref name="anchor"/>
    /// (a report regex with "(?:.*\n)+?" between: anchor must be on a later line than the title).</summary>
    static (string Title, string? Problem, bool NoStack) After(List<string> lines, string? anchor, Regex pattern,
        Func<string, string> format)
    {
        int from = 1;
        if (anchor is not null)
        {
            int a = IndexOfLine(lines, 1, anchor);
            if (a < 0) return Raw(lines, null);
            from = a + 1;
        }
        for (int i = from; i < lines.Count; i++)
        {
            var m = pattern.Match(lines[i]);
            if (m.Success) return (format(m.Groups[1].Value), null, false);
        }
        return Raw(lines, null);
    }

    /// <summary>Title = the raw oops line when the report's body does not match (syzkaller: "matched title but not report regexp").</summary>
    static (string, string?, bool) Raw(List<string> lines, string? header) => (RawLine(lines[0], header), "title matched but the report body did not", false);

    static string RawLine(string first, string? header = null)
    {
        foreach (var h in header is null ? ["WARNING:", "BUG:", "INFO:"] : new[] { header })
        {
            int k = first.IndexOf(h, StringComparison.Ordinal);
            if (k >= 0) return first[k..];
        }
        return first;
    }

    static int IndexOfLine(List<string> lines, int from, string text)
    {
        for (int i = from; i < lines.Count; i++)
            if (lines[i].Contains(text, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>syzkaller's stack-frame extraction: parts matched in order, frames collected, first kept.</summary>
    static (string, string?, bool) Stack(List<string> lines, Func<string, string> format, Part[] parts, Part[]? parts2, SkipMatcher skip)
    {
        var (frame, ok) = Extract(lines, parts, skip);
        if (!ok && parts2 is not null) (frame, ok) = Extract(lines, parts2, skip);
        return (format(frame ?? "corrupted"), ok && frame is not null ? null : "no guilty frame in the stack", false);
    }

    static (string? Frame, bool Ok) Extract(List<string> lines, Part[] parts, SkipMatcher skip)
    {
        var frames = new List<string>();
        bool ok = true;
        int li = 0;
        for (int pi = 0; pi < parts.Length; pi++)
        {
            var part = parts[pi];
            if (part.Pattern is null)
            {
                bool next = false;
                while (li < lines.Count && !next)
                {
                    string ln = lines[li++];
                    if (IsCorruptedLine(ln)) { ok = false; next = true; break; }
                    if (IsStackStart(ln)) { next = true; break; }
                    if (pi != parts.Length - 1 && parts[pi + 1].Pattern is { } lookahead)
                    {
                        var m2 = lookahead.Match(ln);
                        if (m2.Success) { AppendFrames(frames, m2, skip); pi++; next = true; break; }
                    }
                    foreach (var re in FrameLine)
                    {
                        var m = re.Match(ln);
                        if (m.Success) { AppendFrames(frames, m, skip); break; }
                    }
                }
            }
            else
            {
                while (li < lines.Count)
                {
                    string ln = lines[li++];
                    if (IsCorruptedLine(ln)) { ok = false; break; }
                    var m = part.Pattern.Match(ln);
                    if (!m.Success) continue;
                    AppendFrames(frames, m, skip);
                    break;
                }
            }
        }
        if (frames.Count == 0) return (null, false);
        return (StripPrefix(frames[0]), ok);
    }

    /// <summary>StackStart needs one of these words; checking them first spares the regex on most lines.</summary>
    static bool IsStackStart(string line)
        => (line.Contains("race", StringComparison.Ordinal) || line.Contains("llocated", StringComparison.Ordinal)
            || line.Contains("Freed", StringComparison.Ordinal) || line.Contains("acktrace:", StringComparison.Ordinal)
            || line.Contains("Uninit", StringComparison.Ordinal))
           && StackStart.IsMatch(line);

    static bool IsCorruptedLine(string line) => line.Contains("should_fail", StringComparison.Ordinal) && CorruptedLine.IsMatch(line);

    static void AppendFrames(List<string> frames, Match m, SkipMatcher skip)
    {
        for (int g = 1; g < m.Groups.Count; g++)
        {
            if (!m.Groups[g].Success) continue;
            string f = Demangle(m.Groups[g].Value);
            if (!skip.IsMatch(f)) frames.Add(f);
        }
    }

    static string StripPrefix(string frame)
    {
        string best = frame;
        foreach (var p in StripPrefixes)
            if (frame.StartsWith(p, StringComparison.Ordinal) && frame.Length - p.Length < best.Length)
                best = frame[p.Length..];
        return best;
    }

    /// <summary>Itanium C++ names: "_Z8fakeNameiii" → "fakeName" (what syzkaller's demangle filter yields without params).</summary>
    static string Demangle(string name)
    {
        if (name.Length < 4 || !name.StartsWith("_Z", StringComparison.Ordinal) || !char.IsAsciiDigit(name[2])) return name;
        int i = 2, len = 0;
        while (i < name.Length && char.IsAsciiDigit(name[i])) len = len * 10 + (name[i++] - '0');
        return i + len <= name.Length && len > 0 ? name.Substring(i, len) : name;
    }

    /// <summary>syzkaller's isCorrupted stack check: a stack start keyword followed by a frame within 15 lines.</summary>
    static string? StackProblem(List<string> lines)
    {
        bool hasStack = false;
        for (int i = 0; i < lines.Count; i++)
        {
            if (!IsStackStart(lines[i])) continue;
            // only the first occurrence of each keyword is checked by syzkaller; checking all is close enough for one report
            if (lines.Count - i < 4) return "call trace is missed";
            bool found = false;
            for (int j = i + 1; j < lines.Count && j <= i + 15; j++)
            {
                if (IsStackStart(lines[j])) break;
                if (lines[j].Contains("(stack is not available)", StringComparison.Ordinal) || FrameLine.Any(re => re.IsMatch(lines[j])))
                { found = true; break; }
            }
            if (!found) return "no frames in a stack trace";
            hasStack = true;
        }
        return hasStack ? null : "no stack trace in report";
    }

    static string Sanitize(string title)
    {
        const int maxTitleLen = 120;
        var sb = new StringBuilder(title.Length);
        char prev = ' ';
        for (int i = 0; i < title.Length && i < maxTitleLen; i++)
        {
            char ch = title[i];
            if (ch == '\t') ch = ' ';
            else if (ch < 0x20 || ch >= 0x7f) continue;
            if (ch == ' ' && prev == ' ') continue;
            sb.Append(ch);
            prev = ch;
        }
        return sb.ToString().Trim();
    }
}
