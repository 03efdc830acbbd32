using TraceReplay.Analysis.Barriers;
using TraceReplay.Analysis.Common;
using TraceReplay.Analysis.Frees;
using TraceReplay.Analysis.Lifetimes;
using TraceReplay.Analysis.Locks;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis;

/// <summary>
/// Every analysis of an <see cref="AnalysisSet"/> as one replay observer: the replay makes one interface call per event
/// instead of five (the call site sees five types, so each went through the slow virtual-stub resolver), and the
/// analyses are called directly, in the set's order, for every step (Begin, OnEvent, End, summary counts).
/// </summary>
internal sealed class AnalysisPipeline(AnalysisSet set) : IReplayObserver, IReplaySummaryContributor, IUsesLiveObjects
{
    readonly TraceState _state = set.State;
    readonly LockUsageAnalysis _locks = set.Locks;
    readonly UnsafeFreeAnalysis _frees = set.UnsafeFrees;
    readonly RcuBarrierAnalysis _barriers = set.Barriers;
    readonly LifetimeAnalysis _lifetimes = set.Lifetimes;

    public void Begin(TraceInfo info, NameTable names)
    {
        _state.Begin(info, names);
        _locks.Begin(info, names);
        _frees.Begin(info, names);
        _barriers.Begin(info, names);
        _lifetimes.Begin(info, names);
    }

    public void UseLiveObjects(ILiveObjects objects) => _lifetimes.UseLiveObjects(objects);

    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        _state.OnEvent(chunk, row, context);
        _locks.OnEvent(chunk, row, context);
        _frees.OnEvent(chunk, row, context);
        _barriers.OnEvent(chunk, row, context);
        _lifetimes.OnEvent(chunk, row, context);
    }

    public void End(List<ReportTable> reports)
    {
        _state.End(reports);
        _locks.End(reports);
        _frees.End(reports);
        _barriers.End(reports);
        _lifetimes.End(reports);
    }

    public void AddSummaryCounts(SummaryCounts counts)
    {
        _locks.AddSummaryCounts(counts);
        _frees.AddSummaryCounts(counts);
        _barriers.AddSummaryCounts(counts);
        _lifetimes.AddSummaryCounts(counts);
    }
}
