using TraceReplay.Core.Tables;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>Everything read from one console log: the parsed reports and their four tables.</summary>
public sealed class ConsoleLogResult
{
    public required string TraceName { get; init; }
    public required string Source { get; init; }
    public required IReadOnlyList<LockdepReport> Reports { get; init; }
    /// <summary>lockdep_reports, lockdep_locks, lockdep_frames, lockdep_held_locks (in that order).</summary>
    public required IReadOnlyList<ReportTable> Tables { get; init; }
    public long Lines { get; init; }
    public long Bytes { get; init; }

    public ReportTable ReportsTable => Tables[0];
    public ReportTable LocksTable => Tables[1];
    public ReportTable FramesTable => Tables[2];
    public ReportTable HeldLocksTable => Tables[3];
}
