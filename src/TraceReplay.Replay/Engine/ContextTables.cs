using TraceReplay.Core.Tables;

namespace TraceReplay.Replay.Engine;

/// <summary>The contexts and context_mismatches reports (schema in docs/reports.md, replay section).</summary>
internal sealed class ContextTables
{
    readonly ReplayShared _shared;
    readonly Column<string?> _trace, _kind, _detail, _comm;
    readonly Column<int> _cpu, _pid;
    readonly Column<long> _start, _end;
    readonly Column<bool> _uncertain;
    readonly Column<string?> _mTrace, _mFlags, _mEvents, _mDetail;
    readonly Column<long> _mTs, _mLine;
    readonly Column<int> _mCpu;

    public ContextTables(ReplayShared shared)
    {
        _shared = shared;
        Contexts = new ReportTable("contexts");
        _trace = Contexts.String("trace");
        _cpu = Contexts.Int32("cpu");
        _start = Contexts.Int64("start_ns");
        _end = Contexts.Int64("end_ns");
        _kind = Contexts.String("kind");
        _detail = Contexts.String("detail");
        _pid = Contexts.Int32("pid");
        _comm = Contexts.String("comm");
        _uncertain = Contexts.Bool("uncertain");

        Mismatches = new ReportTable("context_mismatches");
        _mTrace = Mismatches.String("trace");
        _mTs = Mismatches.Int64("ts_ns");
        _mCpu = Mismatches.Int32("cpu");
        _mLine = Mismatches.Int64("line");
        _mFlags = Mismatches.String("source_flags");
        _mEvents = Mismatches.String("source_events");
        _mDetail = Mismatches.String("detail");
    }

    public ReportTable Contexts { get; }
    public ReportTable Mismatches { get; }
    public long MismatchCount { get; private set; }

    public void AddContext(int cpu, long start, long end, string kind, string? detail, int pid, int comm, bool uncertain)
    {
        _trace.Append(_shared.Trace);
        _cpu.Append(cpu);
        _start.Append(start);
        _end.Append(Math.Max(start, end));
        _kind.Append(kind);
        _detail.Append(detail);
        _pid.Append(pid);
        _comm.Append(_shared.Name(comm));
        _uncertain.Append(uncertain);
        _shared.RowAdded(Contexts);
    }

    public void AddMismatch(long ts, int cpu, long line, string flags, string events, string detail)
    {
        MismatchCount++;
        if (Mismatches.RowCount >= _shared.Options.MaxMismatchRows)
            return;
        _mTrace.Append(_shared.Trace);
        _mTs.Append(ts);
        _mCpu.Append(cpu);
        _mLine.Append(line);
        _mFlags.Append(flags);
        _mEvents.Append(events);
        _mDetail.Append(detail);
    }
}
