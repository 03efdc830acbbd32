using TraceReplay.Core.Interning;
using System.Globalization;
using TraceReplay.Core.Events;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Replay.Tracking;

/// <summary>Task lifetimes: sched_process_fork (created) → sched_process_exit (offlined) → sched_process_free (freed,
/// normally in the delayed_put_task_struct RCU callback). Rows are written at the free, the rest by End.</summary>
internal sealed class TaskTracker
{
    readonly ReplayShared _shared;
    readonly LifetimeTable _table;
    readonly Dictionary<int, Lifetime> _live = new();

    public TaskTracker(ReplayShared shared, LifetimeTable table)
    {
        _shared = shared;
        _table = table;
    }

    public void OnEvent(EventChunk chunk, int r, EventRole role, in CpuContextView view)
    {
        var ids = _shared.Ids;
        long ts = chunk.TsNs[r];
        bool fork = role == EventRole.ProcessFork;
        if (!chunk.TryGetValue(r, fork ? ids.ChildPid : ids.Pid, out long pidValue)) return;
        int pid = (int)pidValue;
        int commField = chunk.FindField(r, fork ? ids.ChildComm : ids.Comm);
        int comm = commField < 0 ? 0 : _shared.NameCache.Id(chunk.FieldText(commField));
        var stage = new Stage(fork ? "fork" : role == EventRole.ProcessExit ? "exit" : "free", ts, view.Cpu, view.Context, view.Pid, view.Comm, view.RcuCallbackFunction, 0);

        if (fork)
        {
            // A pid reused while the old task was still tracked: the old one's end was not seen.
            if (_live.Remove(pid, out var old)) _table.Emit(old);
            var lt = new Lifetime("task", Key(pid, comm)) { CreatedNs = ts };
            lt.AddStage(stage);
            _live[pid] = lt;
            return;
        }
        if (!_live.TryGetValue(pid, out var rec))
            _live[pid] = rec = new Lifetime("task", Key(pid, comm));
        rec.AddStage(stage);
        if (role == EventRole.ProcessExit)
        {
            rec.OfflinedNs = ts;
            rec.Dying = true;
            return;
        }
        rec.SetFree(0, ts, view, view.RcuCallbackFunction);
        _live.Remove(pid);
        _table.Emit(rec);
    }

    public void End()
    {
        var pids = new List<int>(_live.Keys);
        pids.Sort();
        foreach (int pid in pids) _table.Emit(_live[pid]);
        _live.Clear();
    }

    public void AddCounts(SummaryCounts counts)
    {
        foreach (var s in new[] { "task_freed", "task_dying", "task_alive" })
            counts.Set(s, _table.StatusCounts.GetValueOrDefault(s));
    }

    string Key(int pid, int comm) => comm == 0
        ? pid.ToString(CultureInfo.InvariantCulture)
        : pid.ToString(CultureInfo.InvariantCulture) + " " + _shared.Names[comm];
}
