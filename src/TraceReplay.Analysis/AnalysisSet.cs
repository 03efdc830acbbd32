using TraceReplay.Analysis.Barriers;
using TraceReplay.Analysis.Common;
using TraceReplay.Analysis.Frees;
using TraceReplay.Analysis.Lifetimes;
using TraceReplay.Analysis.Locks;
using TraceReplay.Analysis.Rules;
using TraceReplay.Replay.Model;

namespace TraceReplay.Analysis;

/// <summary>
/// All analyses of `tracereplay analyze`, wired together. Feed every event to the observers in list order (the shared
/// <see cref="TraceState"/> first, then locks, unsafe frees, rcu_barrier counts, lifetimes); each End adds its tables:
/// lock_usage, lock_findings, unsafe_frees, rcu_barriers, anomalies.
/// </summary>
public sealed class AnalysisSet
{
    AnalysisSet(RuleTable rules)
    {
        State = new TraceState();
        Locks = new LockUsageAnalysis(State, rules);
        Lifetimes = new LifetimeAnalysis(State);
        UnsafeFrees = new UnsafeFreeAnalysis(State, rules, Locks, Lifetimes);
        Barriers = new RcuBarrierAnalysis(State);
        Observers = [State, Locks, UnsafeFrees, Barriers, Lifetimes];
        Pipeline = new AnalysisPipeline(this);
    }

    public TraceState State { get; }
    public LockUsageAnalysis Locks { get; }
    public UnsafeFreeAnalysis UnsafeFrees { get; }
    public RcuBarrierAnalysis Barriers { get; }
    public LifetimeAnalysis Lifetimes { get; }
    /// <summary>The observers in the order the replay must call them.</summary>
    public IReadOnlyList<IReplayObserver> Observers { get; }
    /// <summary>All <see cref="Observers"/> as one observer that calls them in order (what the replay should be given:
    /// one interface call per event instead of five).</summary>
    public IReplayObserver Pipeline { get; }

    /// <summary>A fresh set of analyses with the embedded rule table (or another one).</summary>
    public static AnalysisSet Create(RuleTable? rules = null) => new(rules ?? RuleTable.Default);

    /// <summary>The observers for the replay, in call order (every analysis behind one <see cref="Pipeline"/>).</summary>
    public static IReadOnlyList<IReplayObserver> CreateAll() => [Create().Pipeline];
}
