using TraceReplay.Core.Events;

namespace TraceReplay.Replay.Engine;

/// <summary>What the trace's kernel era changes for the replay (shared kernel notes §4).</summary>
internal static class KernelEra
{
    /// <summary>Before 4.10 the flags' 's' was <c>preempt_count &amp; SOFTIRQ_MASK</c>: also set inside local_bh_disable.
    /// Decided from the stated kernel release, else from a 4-character flags column (pre-5.15; conservative for 4.10–5.11).</summary>
    public static bool SoftirqFlagIncludesBhDisabled(TraceInfo info)
    {
        if (TryParseRelease(info.Kernel, out int major, out int minor))
            return major < 4 || (major == 4 && minor < 10);
        return info.FlagsWidth == 4;
    }

    /// <summary>Only trace_pipe captures interleave per-CPU streams out of time order; the tracefs trace file,
    /// trace-cmd report and trace.dat readers deliver merged streams.</summary>
    public static bool IsMerged(TraceInfo info) => !info.Variant.Contains("pipe", StringComparison.OrdinalIgnoreCase);

    public static bool TryParseRelease(string release, out int major, out int minor)
    {
        major = minor = 0;
        var s = release.AsSpan().Trim();
        int dot = s.IndexOf('.');
        if (dot <= 0 || !int.TryParse(s[..dot], out major)) return false;
        var rest = s[(dot + 1)..];
        int end = 0;
        while (end < rest.Length && char.IsAsciiDigit(rest[end])) end++;
        return end > 0 && int.TryParse(rest[..end], out minor);
    }
}
