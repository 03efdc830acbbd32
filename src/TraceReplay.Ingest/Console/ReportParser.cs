using System.Globalization;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>
/// Reads the grammar of one cut-out report (lockdep.md §3–§4) into a <see cref="LockdepReport"/>: task line with the
/// HC/SC/HE/SE context, lock lines by role, the dependency chain, irq-safe/unsafe locks and class dumps, held-lock
/// lists, every stack trace by section with context markers, and the kind-specific lines (usage pair, RCU site,
/// sleeping-function site, KASAN access). Lines it does not know are skipped: the kernel adds lines over the eras.
/// </summary>
public static class ReportParser
{
    public static LockdepReport Parse(RawReport raw, string source)
    {
        var r = new LockdepReport
        {
            Source = source,
            Line = raw.Line,
            TimestampNs = raw.TimestampNs,
            Caller = ConsoleEnvelope.CallerName(raw.Caller),
            Kind = raw.Kind,
        };
        r.Lines.AddRange(raw.Lines);
        r.CorruptionReasons.AddRange(raw.Problems);
        if (raw.DebugLocksWarnOn is not null) r.Detail = raw.DebugLocksWarnOn;
        new Walker(r).Run();
        return r;
    }

    sealed class Walker(LockdepReport r)
    {
        string? _pendingRole;          // role of the lock line expected next
        bool _pendingBareName;         // the next line is a bare class name (nest lock, safe/unsafe lock)
        bool _pendingReleaseSite;      // the next line is "[<pc>] sym" of a bad unlock
        bool _pendingPreemptSite;
        string? _section;
        int _depth;
        string? _marker;
        int _stackCount;
        string? _heldTask;
        int _heldPid;
        string? _armPendingFunc;

        public void Run()
        {
            var lines = r.Lines;
            for (int i = 0; i < lines.Count; i++)
            {
                var text = lines[i].Text;
                if (i == 0) { Title(text); continue; }
                if (i <= 2 && r.Kernel is null && IsKernelIdent(text)) { r.Kernel = FirstToken(text); continue; }
                Line(text.AsSpan());
            }
            if (r.LockClass is null)
            {
                foreach (var l in r.Locks)
                    if (l.Role is "acquire" or "takes" or "changed" or "release" or "freed" or "contend") { r.LockClass = l.Class; break; }
                if (r.LockClass is null && r.Kind is LockdepKind.StillHasLocksHeld or LockdepKind.LockHeldReturningToUser
                    or LockdepKind.WorkqueueLeakedLock && r.HeldLocks.Count > 0)
                    r.LockClass = r.HeldLocks[0].Class;
            }
        }

        void Title(string text)
        {
            var t = text.AsSpan().Trim();
            switch (r.Kind)
            {
                case LockdepKind.IrqSafeToUnsafe:
                {
                    int arrow = t.IndexOf("-safe -> ");
                    int start = t[..arrow].LastIndexOf(' ') + 1;
                    r.UsageFrom = t[start..(arrow + 5)].ToString();
                    var rest = t[(arrow + "-safe -> ".Length)..];
                    int sp = rest.IndexOf(' ');
                    r.UsageTo = (sp < 0 ? rest : rest[..sp]).ToString();
                    break;
                }
                case LockdepKind.StillHasLocksHeld:
                {
                    int still = t.IndexOf(" still has locks held!");
                    int colon = t.IndexOf(": ");
                    if (colon > 0 && still > colon && LockdepSyntax.TrySplitTask(t[(colon + 2)..still], out var task, out int pid))
                        SetTask(task, pid);
                    break;
                }
                case LockdepKind.SleepingInAtomic:
                {
                    int at = t.IndexOf(" context at ");
                    if (at > 0) r.Detail = t[(at + " context at ".Length)..].ToString();
                    break;
                }
                case LockdepKind.SchedulingWhileAtomic:
                {
                    // "BUG: scheduling while atomic: COMM/PID/0xHEX"
                    int colon = t.IndexOf("atomic: ");
                    if (colon > 0)
                    {
                        var rest = t[(colon + "atomic: ".Length)..];
                        int last = rest.LastIndexOf('/');
                        if (last > 0)
                        {
                            r.Detail = "preempt_count " + rest[(last + 1)..].ToString();
                            if (LockdepSyntax.TrySplitTask(rest[..last], out var task, out int pid)) SetTask(task, pid);
                        }
                    }
                    break;
                }
                case LockdepKind.WorkqueueLeakedLock:
                {
                    // "BUG: workqueue leaked lock or atomic: COMM/0xHEX/PID"
                    int colon = t.IndexOf("atomic: ");
                    if (colon > 0)
                    {
                        var rest = t[(colon + "atomic: ".Length)..];
                        int last = rest.LastIndexOf('/');
                        int first = last > 0 ? rest[..last].LastIndexOf('/') : -1;
                        if (first > 0 && int.TryParse(rest[(last + 1)..], out int pid))
                        {
                            SetTask(rest[..first].ToString(), pid);
                            r.Detail = "preempt_count " + rest[(first + 1)..last].ToString();
                        }
                    }
                    break;
                }
                case LockdepKind.LockdepLimit:
                {
                    int m = t.IndexOf("MAX_");
                    int sp = m < 0 ? -1 : t[m..].IndexOf(' ');
                    if (sp > 0) r.Detail = t.Slice(m, sp).ToString();
                    break;
                }
                case LockdepKind.Kasan:
                    r.Detail = t[(t.IndexOf("KASAN: ") + "KASAN: ".Length)..].ToString();
                    break;
                case LockdepKind.LockingBug when r.Detail is null:
                    r.Detail = t.ToString();
                    break;
            }
        }

        void Line(ReadOnlySpan<char> s)
        {
            var t = s.Trim();
            if (t.Length == 0) return;

            if (_pendingReleaseSite)
            {
                _pendingReleaseSite = false;
                if (t.StartsWith("[<") && r.Locks.Count > 0 && r.Locks[^1].AtFunction is null)
                {
                    r.Locks[^1] = r.Locks[^1] with { AtFunction = LockdepSyntax.SymbolFunction(LockdepSyntax.SkipPc(t)) };
                    return;
                }
            }
            if (_pendingPreemptSite)
            {
                _pendingPreemptSite = false;
                if (LockdepSyntax.TryParseFrame(t, out var pf))
                {
                    AddFrame("preempt_disabled", 0, pf);
                    return;
                }
            }
            if (_pendingRole is not null)
            {
                string role = _pendingRole;
                if (_pendingBareName && !t.Contains("){", StringComparison.Ordinal))
                {
                    _pendingRole = null;
                    _pendingBareName = false;
                    // a class name never holds ": " — that is another message printed in between (e.g. an oops)
                    if (t.Contains(": ", StringComparison.Ordinal) || t.Length > 160 || LooksLikeSentence(t))
                    {
                        r.CorruptionReasons.Add("lock name missing: other output where the name belongs");
                        Line(s);
                        return;
                    }
                    var name = LockdepSyntax.BareClass(t);
                    if (name is not null) r.Locks.Add(new LockRef(role, name, null, null, null, null));
                    return;
                }
                if (LockdepSyntax.TryParseLockLine(t, out var pl))
                {
                    _pendingRole = null;
                    _pendingBareName = false;
                    r.Locks.Add(new LockRef(role, pl.Class, pl.Usage, pl.WaitType, pl.Address, pl.AtFunction));
                    return;
                }
            }

            // context markers of x86 stacks: <IRQ> </IRQ> <SOFTIRQ> <NMI> <TASK> <EOI> ...
            if (t[0] == '<' && t[^1] == '>' && t.Length <= 24)
            {
                if (t[1] == '/' || t.SequenceEqual("<EOI>")) _marker = null;
                else _marker = t[1..^1].ToString();
                return;
            }
            if (_section is not null && Frame(t)) return;
            Header(t);
        }

        bool Frame(ReadOnlySpan<char> t)
        {
            if (LockdepSyntax.TryParseArmFrame(t, out string func, out var caller))
            {
                // "(A) from (B+off/size)": A's own offset is printed on the previous line as the caller part
                long? off = null, size = null;
                if (_armPendingFunc == func && _lastArmCaller.Function == func) { off = _lastArmCaller.Offset; size = _lastArmCaller.Size; }
                r.Frames.Add(new StackFrame(_section!, _depth++, func, off, size, null, false, _marker));
                _armPendingFunc = caller.Function;
                _lastArmCaller = caller;
                return true;
            }
            if (LockdepSyntax.TryParseFrame(t, out var f))
            {
                AddFrame(_section!, _depth++, f);
                return true;
            }
            return false;
        }

        ParsedFrame _lastArmCaller;

        void AddFrame(string section, int depth, ParsedFrame f)
            => r.Frames.Add(new StackFrame(section, depth, f.Function, f.Offset, f.Size, f.Module, f.Unreliable, _marker));

        void StartSection(string name)
        {
            _section = name;
            _depth = 0;
            _marker = null;
            _armPendingFunc = null;
        }

        void Header(ReadOnlySpan<char> t)
        {
            // stack traces
            if (t.StartsWith("Call Trace:") || t.StartsWith("Call trace:") || t.StartsWith("Backtrace:"))
            {
                StartSection(++_stackCount == 1 ? "stack" : "stack#" + _stackCount);
                return;
            }
            if (t.EndsWith(" state was registered at:")) { StartSection("registered"); return; }
            if (t.StartsWith("... which became ") && t.EndsWith(" at:"))
            {
                StartSection(t.Contains("-unsafe at:", StringComparison.Ordinal) ? "unsafe_at" : "safe_at");
                return;
            }
            if (t.StartsWith("... acquired at:")) { StartSection("acquired_at"); return; }
            if (t.StartsWith("... key") && t.Contains(" at:", StringComparison.Ordinal)) { _section = null; return; }
            if (t.StartsWith("Allocated by task ")) { StartSection("allocated"); return; }
            if (t.StartsWith("Freed by task ")) { StartSection("freed"); return; }
            if (t.StartsWith("Last potentially related work creation:") || t.StartsWith("Last call_rcu():")) { StartSection("aux1"); return; }
            if (t.StartsWith("Second to last potentially related work creation:") || t.StartsWith("Second to last call_rcu():")) { StartSection("aux2"); return; }
            if (t.StartsWith("Preemption disabled at:")) { _pendingPreemptSite = true; return; }
            if (t.StartsWith("-> #"))
            {
                // "-> #1 (&buf->lock){+.+...}:"
                int sp = t[3..].IndexOf(' ') is var spRel and >= 0 ? spRel + 3 : -1;
                if (sp > 4)
                {
                    string role = "chain" + t[3..sp].ToString();
                    var rest = t[(sp + 1)..];
                    if (rest.EndsWith(":")) rest = rest[..^1];
                    if (LockdepSyntax.TryParseLockLine(rest, out var pl))
                        r.Locks.Add(new LockRef(role, pl.Class, pl.Usage, pl.WaitType, pl.Address, null));
                    StartSection(role);
                }
                return;
            }
            if (t.StartsWith("-> ("))
            {
                // class dump header "-> (class){usage} [ops: N ]{"
                if (LockdepSyntax.TryParseLockLine(t[3..].TrimEnd('{').TrimEnd(), out var pl))
                    r.Locks.Add(new LockRef("dependency", pl.Class, pl.Usage, pl.WaitType, pl.Address, null));
                _section = null;
                return;
            }
            if (t.EndsWith(" at:") && IsUsageLabel(t[..^4]))
            {
                StartSection("usage:" + t[..^4].ToString());
                return;
            }
            if (t.StartsWith("#") && _heldTask is not null && HeldEntry(t)) return;
            if (HeldListHeader(t)) { _section = null; return; }
            if (TaskLine(t)) { _section = null; return; }
            Misc(t);
        }

        /// <summary>"Unable to handle kernel …": a capitalised word then a blank, which no class name starts with.</summary>
        static bool LooksLikeSentence(ReadOnlySpan<char> t)
        {
            int i = 1;
            if (t.Length < 3 || !char.IsAsciiLetterUpper(t[0])) return false;
            while (i < t.Length && char.IsAsciiLetterLower(t[i])) i++;
            return i > 1 && i < t.Length && t[i] == ' ';
        }

        static bool IsUsageLabel(ReadOnlySpan<char> label)
        {
            if (label.StartsWith("INITIAL ")) return true;
            if (label.Length < 6 || label.Length > 20) return false;
            foreach (char c in label) if (!(char.IsAsciiLetterUpper(c) || c is '-' or '_')) return false;
            return label.Contains('-');
        }

        bool HeldEntry(ReadOnlySpan<char> t)
        {
            // "#0: ffff888… (rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock+0x17/0x20"
            int colon = t.IndexOf(':');
            if (colon < 2 || !int.TryParse(t[1..colon], NumberStyles.None, CultureInfo.InvariantCulture, out int index)) return false;
            if (!LockdepSyntax.TryParseLockLine(t[(colon + 1)..], out var pl)) return false;
            r.HeldLocks.Add(new HeldLock(_heldTask!, _heldPid, index, pl.Class, pl.Address, pl.AtFunction));
            return true;
        }

        bool HeldListHeader(ReadOnlySpan<char> t)
        {
            // "2 locks held by swapper/0/0:" | "1 lock held by x/1:" | "no locks held by x/1."
            int by = t.IndexOf(" held by ");
            if (by < 0) return false;
            var head = t[..by];
            if (!(head.EndsWith(" locks") || head.EndsWith(" lock"))) return false;
            var who = t[(by + " held by ".Length)..].TrimEnd(':').TrimEnd('.');
            if (!LockdepSyntax.TrySplitTask(who, out var task, out int pid)) return false;
            _heldTask = task;
            _heldPid = pid;
            return true;
        }

        /// <summary>Task-line verbs (lockdep.md §3.2) and the role of the lock line that follows.</summary>
        static readonly (string Verb, string? Role)[] Verbs =
        [
            (" is trying to acquire lock:", "acquire"), (" is trying to acquire:", "acquire"), (" takes:", "takes"),
            (" just changed the state of lock:", "changed"), (" is trying to lock:", "acquire"),
            (" is trying to release lock (", "release"), (" is trying to contend lock (", "contend"),
            (" is freeing memory ", "freed"), (" is leaving the kernel with locks still held!", null),
        ];

        bool TaskLine(ReadOnlySpan<char> t)
        {
            if (!t.Contains(" is ", StringComparison.Ordinal) && !t.EndsWith(" takes:")) return false;
            foreach (var (verb, role) in Verbs)
            {
                int k = t.IndexOf(verb);
                if (k <= 0) continue;
                var who = t[..k];
                int bracket = who.IndexOf(" [HC");
                if (bracket > 0)
                {
                    ParseContext(who[(bracket + 2)..]);
                    who = who[..bracket];
                }
                if (LockdepSyntax.TrySplitTask(who, out var task, out int pid)) SetTask(task, pid);
                if (role is "release" or "contend")
                {
                    // "... release lock (MAPNAME) at:" — the site follows on the next line
                    var rest = t[(k + verb.Length - 1)..];
                    int end = rest.LastIndexOf(") at:");
                    string name = end > 0 ? rest[1..end].ToString() : LockdepSyntax.BareClass(rest) ?? "";
                    r.Locks.Add(new LockRef(role, name, null, null, null, null));
                    _pendingReleaseSite = true;
                }
                else if (role is not null)
                {
                    _pendingRole = role;
                    if (role == "freed") r.Detail = t[(k + verb.Length)..].ToString().TrimEnd('!');
                }
                return true;
            }
            return false;
        }

        void ParseContext(ReadOnlySpan<char> c)
        {
            // "HC0[0]:SC1[1]:HE1:SE0]"
            r.HardirqContext = Num(c, "HC");
            r.HardirqCount = Num(c, "HC", bracket: true);
            r.SoftirqContext = Num(c, "SC");
            r.SoftirqCount = Num(c, "SC", bracket: true);
            r.HardirqsEnabled = Num(c, "HE");
            r.SoftirqsEnabled = Num(c, "SE");
        }

        static int? Num(ReadOnlySpan<char> c, string key, bool bracket = false)
        {
            int k = c.IndexOf(key);
            if (k < 0) return null;
            var rest = c[(k + key.Length)..];
            if (bracket)
            {
                int b = rest.IndexOf('[');
                if (b < 0 || b > 4) return null;
                rest = rest[(b + 1)..];
            }
            int n = 0;
            while (n < rest.Length && char.IsAsciiDigit(rest[n])) n++;
            return n > 0 && int.TryParse(rest[..n], NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
        }

        void Misc(ReadOnlySpan<char> t)
        {
            if (t.StartsWith("stack backtrace:") || t.StartsWith("irq event stamp:") || t.StartsWith("other info that might help")
                || t.StartsWith("the dependencies between") || t.StartsWith("the shortest dependencies")
                || t.StartsWith("which lock already depends") || t.StartsWith("Possible ") || t.StartsWith("The buggy address"))
                _section = null;
            if (t.StartsWith("but task is already holding lock:") || t.StartsWith("and this task is already holding:"))
            { _pendingRole = "held"; return; }
            if (t.StartsWith("but this new dependency connects a ")) { _pendingRole = "safe"; _pendingBareName = true; return; }
            if (t.StartsWith("to a ") && t.EndsWith("-unsafe lock:")) { _pendingRole = "unsafe"; _pendingBareName = true; return; }
            if (t.StartsWith("but this lock took another, ") || t.StartsWith("but this lock was taken by another, "))
            {
                int comma = t.IndexOf(", ");
                var state = t[(comma + 2)..];
                int sp = state.IndexOf(' ');
                string other = (sp < 0 ? state : state[..sp]).ToString();
                // this lock just became the opposite of the other lock's state
                r.UsageTo = other;
                r.UsageFrom = other.EndsWith("-unsafe") ? other[..^"-unsafe".Length] + "-safe" : other.Replace("-safe", "-unsafe");
                _pendingRole = "other";
                _pendingBareName = true;
                return;
            }
            if (t.StartsWith("but this task is not holding:")) { _pendingRole = "nest"; _pendingBareName = true; return; }
            if (t.StartsWith("inconsistent {"))
            {
                int arrow = t.IndexOf("} -> {");
                int end = t.LastIndexOf('}');
                if (arrow > 0 && end > arrow)
                {
                    r.UsageFrom = t[14..arrow].ToString();
                    r.UsageTo = t[(arrow + 6)..end].ToString();
                }
                return;
            }
            if (t.StartsWith("context-{") && r.Kind == LockdepKind.InvalidWaitContext) { r.Detail = t.ToString(); return; }
            if (t.StartsWith("CPU: ") && t.Contains(" PID: ", StringComparison.Ordinal) && t.Contains(" Comm: ", StringComparison.Ordinal))
            {
                DumpStackHeader(t);
                return;
            }
            if (t.StartsWith("in_atomic(): "))
            {
                // "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 123, name: comm"
                int p = t.IndexOf("pid: ");
                int n = t.IndexOf(", name: ");
                if (p > 0 && n > p && int.TryParse(t[(p + 5)..n], out int pid)) SetTask(t[(n + 8)..].ToString(), pid);
                return;
            }
            if (t.StartsWith("last function: ")) { r.Detail = (r.Detail is null ? "" : r.Detail + "; ") + t.ToString(); return; }
            if (r.Kind == LockdepKind.Kasan && (t.StartsWith("Read of size") || t.StartsWith("Write of size")
                                                || t.StartsWith("Read at addr") || t.StartsWith("Write at addr")))
            {
                int by = t.IndexOf(" by task ");
                if (by > 0 && LockdepSyntax.TrySplitTask(t[(by + 9)..], out var task, out int pid)) SetTask(task, pid);
                r.Detail = r.Detail + "; " + (by > 0 ? t[..by] : t).ToString();
                return;
            }
            if (r.Kind == LockdepKind.Kasan && t.StartsWith("which belongs to the cache "))
            {
                r.Detail = r.Detail + "; cache " + t["which belongs to the cache ".Length..].ToString();
                return;
            }
            if (r.Kind == LockdepKind.SuspiciousRcuUsage && r.Detail is null && t.EndsWith("!") && LooksLikeSource(t))
                r.Detail = t.ToString();
        }

        static bool LooksLikeSource(ReadOnlySpan<char> t)
        {
            int colon = t.IndexOf(':');
            int sp = t.IndexOf(' ');
            return colon > 2 && sp > colon && t[..colon].Contains('.') && char.IsAsciiDigit(t[colon + 1]);
        }

        void DumpStackHeader(ReadOnlySpan<char> t)
        {
            // "CPU: 0 [UID: 0] PID: 2990 Comm: syzkaller460037 Not tainted 4.14.0-rc7-next-20171103+ #10"
            int pidAt = t.IndexOf(" PID: ");
            int commAt = t.IndexOf(" Comm: ");
            if (r.Pid is null && pidAt > 0 && commAt > pidAt && int.TryParse(t[(pidAt + 6)..commAt], out int pid))
            {
                var rest = t[(commAt + 7)..];
                int sp = rest.IndexOf(' ');
                SetTask((sp < 0 ? rest : rest[..sp]).ToString(), pid);
            }
            if (r.Kernel is null)
            {
                int hash = t.LastIndexOf(" #");
                if (hash > 0)
                {
                    var before = t[..hash].TrimEnd();
                    int sp = before.LastIndexOf(' ');
                    if (sp > 0) r.Kernel = before[(sp + 1)..].ToString();
                }
            }
        }

        void SetTask(string task, int pid)
        {
            if (r.Pid is not null) return;
            r.Task = task;
            r.Pid = pid;
        }

        static bool IsKernelIdent(string text)
        {
            // "4.12.0-rc2-next-20170525+ #1 Not tainted", "2.6.32-rc6-00035-g8b17a4f #1", "5.10.2 #14 Tainted: G  W"
            var t = text.AsSpan().Trim();
            return t.Length > 4 && char.IsAsciiDigit(t[0]) && t.IndexOf('.') is > 0 and < 4 && t.Contains(" #", StringComparison.Ordinal);
        }

        static string FirstToken(string text)
        {
            var t = text.AsSpan().Trim();
            int sp = t.IndexOf(' ');
            return (sp < 0 ? t : t[..sp]).ToString();
        }
    }
}
