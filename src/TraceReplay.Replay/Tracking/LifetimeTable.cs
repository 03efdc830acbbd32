using TraceReplay.Core.Tables;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Replay.Tracking;

/// <summary>One observed stage of a lifetime (mkdir, rmdir, offline_queued, …): where and in which context it ran.</summary>
internal readonly record struct Stage(string Name, long Ns, int Cpu, ExecContext Context, int Pid, int Comm, int Function, ulong Work);

/// <summary>A memcg, cgroup, css, task, kmem cache or object lifetime while it is tracked. -1 = stage not seen.</summary>
internal sealed class Lifetime(string kind, string key)
{
    public string Kind = kind;
    public string Key = key;
    public long CreatedNs = -1, OfflinedNs = -1, ReleasedNs = -1, FreedNs = -1;
    public int FreeCpu = -1;
    public ExecContext FreeContext;
    public int FreeComm;
    public int FreeFunction;
    /// <summary>How specific the recorded free stage is (a later, more specific one replaces it; -1 none).</summary>
    public int FreeRank = -1;
    public bool Dying;
    public string? Status;
    public List<Stage>? Stages;

    public void AddStage(in Stage s) => (Stages ??= new List<Stage>(6)).Add(s);

    public void SetFree(int rank, long ns, in CpuContextView view, int function)
    {
        if (rank < FreeRank) return;
        FreeRank = rank;
        FreedNs = ns;
        FreeCpu = view.Cpu;
        FreeContext = view.Context;
        FreeComm = view.Comm;
        FreeFunction = function;
    }

    public string StatusAtEnd => Status ?? (FreedNs >= 0 ? "freed" : Dying || OfflinedNs >= 0 || ReleasedNs >= 0 ? "dying" : "alive");
}

/// <summary>The lifetimes report (one row per lifetime, kind column) and lifetime_stages (one row per stage).</summary>
internal sealed class LifetimeTable
{
    readonly ReplayShared _shared;
    readonly Column<string?> _trace, _kind, _key, _freeContext, _freeComm, _freeFunction, _status;
    readonly Column<long> _created, _offlined, _released, _freed;
    readonly Column<int> _freeCpu;
    readonly Column<string?> _sTrace, _sKind, _sKey, _sStage, _sContext, _sComm, _sFunction;
    readonly Column<long> _sTs;
    readonly Column<int> _sCpu, _sPid;
    readonly Column<ulong> _sWork;

    public LifetimeTable(ReplayShared shared)
    {
        _shared = shared;
        Lifetimes = new ReportTable("lifetimes");
        _trace = Lifetimes.String("trace");
        _kind = Lifetimes.String("kind");
        _key = Lifetimes.String("key");
        _created = Lifetimes.Int64("created_ns");
        _offlined = Lifetimes.Int64("offlined_ns");
        _released = Lifetimes.Int64("released_ns");
        _freed = Lifetimes.Int64("freed_ns");
        _freeCpu = Lifetimes.Int32("free_cpu");
        _freeContext = Lifetimes.String("free_context");
        _freeComm = Lifetimes.String("free_comm");
        _freeFunction = Lifetimes.String("free_function");
        _status = Lifetimes.String("status");

        Stages = new ReportTable("lifetime_stages");
        _sTrace = Stages.String("trace");
        _sKind = Stages.String("kind");
        _sKey = Stages.String("key");
        _sStage = Stages.String("stage");
        _sTs = Stages.Int64("ts_ns");
        _sCpu = Stages.Int32("cpu");
        _sContext = Stages.String("context");
        _sPid = Stages.Int32("pid");
        _sComm = Stages.String("comm");
        _sFunction = Stages.String("function");
        _sWork = Stages.UInt64("work");
    }

    public ReportTable Lifetimes { get; }
    public ReportTable Stages { get; }
    public Dictionary<string, long> StatusCounts { get; } = new(StringComparer.Ordinal);

    public void Emit(Lifetime lt)
    {
        string status = lt.StatusAtEnd;
        string countKey = lt.Kind + "_" + status;
        StatusCounts[countKey] = StatusCounts.GetValueOrDefault(countKey) + 1;
        _trace.Append(_shared.Trace);
        _kind.Append(lt.Kind);
        _key.Append(lt.Key);
        AppendNs(_created, lt.CreatedNs);
        AppendNs(_offlined, lt.OfflinedNs);
        AppendNs(_released, lt.ReleasedNs);
        AppendNs(_freed, lt.FreedNs);
        if (lt.FreeRank >= 0)
        {
            _freeCpu.Append(lt.FreeCpu);
            _freeContext.Append(lt.FreeContext.Name());
            _freeComm.Append(_shared.Name(lt.FreeComm));
            _freeFunction.Append(_shared.Name(lt.FreeFunction));
        }
        else
        {
            _freeCpu.AppendNull();
            _freeContext.AppendNull();
            _freeComm.AppendNull();
            _freeFunction.AppendNull();
        }
        _status.Append(status);
        _shared.RowAdded(Lifetimes);

        if (lt.Stages == null) return;
        foreach (var s in lt.Stages)
        {
            _sTrace.Append(_shared.Trace);
            _sKind.Append(lt.Kind);
            _sKey.Append(lt.Key);
            _sStage.Append(s.Name);
            _sTs.Append(s.Ns);
            _sCpu.Append(s.Cpu);
            _sContext.Append(s.Context.Name());
            _sPid.Append(s.Pid);
            _sComm.Append(_shared.Name(s.Comm));
            _sFunction.Append(_shared.Name(s.Function));
            _sWork.Append(s.Work, s.Work == 0);
            _shared.RowAdded(Stages);
        }
    }

    static void AppendNs(Column<long> c, long ns)
    {
        if (ns < 0) c.AppendNull(); else c.Append(ns);
    }
}
