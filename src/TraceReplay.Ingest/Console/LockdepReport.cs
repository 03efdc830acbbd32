namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>One lock as a report names it: a lock line, a chain entry, a class dump header or a bare class name.</summary>
public sealed record LockRef(string Role, string Class, string? Usage, string? WaitType, ulong? Address, string? AtFunction);

/// <summary>One held-lock entry (" #i: lock line") of a "N locks held by comm/pid:" list.</summary>
public sealed record HeldLock(string Task, int Pid, int Index, string Class, ulong? Address, string? AtFunction);

/// <summary>
/// One stack frame. Section says which trace it belongs to ("stack" = the dump_stack call trace, "registered",
/// "chain#1", "safe_at", "unsafe_at", "usage:IN-HARDIRQ-W", "acquired_at", "allocated", "freed", "aux", ...);
/// depth counts from 0 at the innermost frame of that section.
/// </summary>
public sealed record StackFrame(string Section, int Depth, string Function, long? Offset, long? Size, string? Module,
    bool Unreliable, string? ContextMarker);

/// <summary>A report line kept verbatim (payload after the envelope) with where it came from.</summary>
public sealed record ReportLine(string Text, long LineNumber, long TimestampNs);

/// <summary>A parsed lockdep-family report. Lists are in print order.</summary>
public sealed class LockdepReport
{
    /// <summary>0-based ordinal within its console log (the report column of the child tables).</summary>
    public int Index { get; internal set; }
    public required string Source { get; init; }
    /// <summary>1-based line of the report's first line (the title line) in the log.</summary>
    public long Line { get; init; }
    /// <summary>Printk time of the first line in ns, -1 when the log has no timestamps.</summary>
    public long TimestampNs { get; init; } = -1;
    /// <summary>Printk caller id of the report ("T123", "C0") or "" when the log has none.</summary>
    public string Caller { get; init; } = "";
    public LockdepKind Kind { get; init; }
    public string KindName => LockdepKinds.Name(Kind);
    public string Title { get; internal set; } = "";
    public string? Kernel { get; internal set; }
    public string? Task { get; internal set; }
    public int? Pid { get; internal set; }
    public int? HardirqContext { get; internal set; }
    public int? SoftirqContext { get; internal set; }
    public int? HardirqsEnabled { get; internal set; }
    public int? SoftirqsEnabled { get; internal set; }
    /// <summary>The nesting counts in brackets of "HC0[0]:SC1[1]" (preempt_count hardirq / softirq fields).</summary>
    public int? HardirqCount { get; internal set; }
    public int? SoftirqCount { get; internal set; }
    public string? UsageFrom { get; internal set; }
    public string? UsageTo { get; internal set; }
    /// <summary>The lock the report is about (the one being acquired / taken / released / freed).</summary>
    public string? LockClass { get; internal set; }
    /// <summary>Free text detail: RCU "file:line message", sleeping-function site, KASAN access, DEBUG_LOCKS_WARN_ON expr.</summary>
    public string? Detail { get; internal set; }
    public bool Corrupted => CorruptionReasons.Count > 0;
    public List<string> CorruptionReasons { get; } = new();
    public List<LockRef> Locks { get; } = new();
    public List<StackFrame> Frames { get; } = new();
    public List<HeldLock> HeldLocks { get; } = new();
    public List<ReportLine> Lines { get; } = new();

    /// <summary>Distinct lock classes named anywhere in the report (locks and held locks), for linking to replay findings.</summary>
    public IReadOnlyList<string> LockClasses()
    {
        var seen = new List<string>();
        foreach (var l in Locks) if (!seen.Contains(l.Class)) seen.Add(l.Class);
        foreach (var h in HeldLocks) if (!seen.Contains(h.Class)) seen.Add(h.Class);
        return seen;
    }

    /// <summary>Distinct functions of reliable frames in print order, optionally of one section only ("stack").</summary>
    public IReadOnlyList<string> Functions(string? section = null)
    {
        var seen = new List<string>();
        foreach (var f in Frames)
            if (!f.Unreliable && (section is null || f.Section == section) && !seen.Contains(f.Function))
                seen.Add(f.Function);
        return seen;
    }

    public override string ToString() => $"{Source}:{Line} {KindName}: {Title}";
}
