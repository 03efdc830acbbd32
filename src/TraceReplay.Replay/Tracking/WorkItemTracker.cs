using TraceReplay.Core.Interning;
using TraceReplay.Core.Events;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Replay.Tracking;

/// <summary>
/// Work items: workqueue_queue_work → activate_work → execute_start → execute_end, joined by work-struct pointer
/// (pending ones) and by worker pid (running ones: a worker runs one item at a time and may sleep inside it).
/// A row is written when the item ends; items still pending or running at the end are written by End.
/// </summary>
internal sealed class WorkItemTracker
{
    sealed class WorkRec
    {
        public ulong Work;
        public int Function, Workqueue;
        public long QueuedNs = -1, ActivatedNs = -1, StartNs = -1;
        public int QueuedCpu = -1, Cpu = -1, Pid = -1, Comm;
        public ExecContext QueuedContext;
        public long Order;
    }

    readonly ReplayShared _shared;
    readonly EventIds _ids;
    readonly Dictionary<ulong, WorkRec> _pending = new();
    readonly Dictionary<int, WorkRec> _running = new();
    readonly ReportTable _table = new("work_items");
    readonly Column<string?> _trace, _function, _workqueue, _queuedContext, _comm;
    readonly Column<ulong> _work;
    readonly Column<long> _queued, _activated, _start, _end, _latency, _run;
    readonly Column<int> _queuedCpu, _cpu, _pid;
    long _order, _rows, _unfinished, _notQueuedInTrace;

    public WorkItemTracker(ReplayShared shared)
    {
        _shared = shared;
        _ids = shared.Ids;
        _trace = _table.String("trace");
        _work = _table.UInt64("work");
        _function = _table.String("function");
        _workqueue = _table.String("workqueue");
        _queued = _table.Int64("queued_ns");
        _queuedCpu = _table.Int32("queued_cpu");
        _queuedContext = _table.String("queued_context");
        _activated = _table.Int64("activated_ns");
        _start = _table.Int64("start_ns");
        _end = _table.Int64("end_ns");
        _cpu = _table.Int32("cpu");
        _pid = _table.Int32("pid");
        _comm = _table.String("comm");
        _latency = _table.Int64("queue_latency_ns");
        _run = _table.Int64("run_ns");
    }

    public void OnEvent(EventChunk chunk, int r, EventRole role, in CpuContextView view)
    {
        ulong work = chunk.TryGetValue(r, _ids.Work, out long w) ? (ulong)w : 0;
        long ts = chunk.TsNs[r];
        switch (role)
        {
            case EventRole.WorkQueue:
            {
                if (_pending.Remove(work, out var stale)) Write(stale, -1);
                var rec = new WorkRec
                {
                    Work = work, Function = Intern(chunk, r, _ids.Function), Workqueue = Intern(chunk, r, _ids.Workqueue),
                    QueuedNs = ts, QueuedCpu = view.Cpu, QueuedContext = view.Context, Order = _order++,
                };
                _pending[work] = rec;
                break;
            }
            case EventRole.WorkActivate:
            {
                if (!_pending.TryGetValue(work, out var rec))
                    _pending[work] = rec = new WorkRec { Work = work, Function = Intern(chunk, r, _ids.Function), Order = _order++ };
                rec.ActivatedNs = ts;
                break;
            }
            case EventRole.WorkStart:
            {
                if (_running.Remove(view.Pid, out var unfinished)) Write(unfinished, -1);
                if (!_pending.Remove(work, out var rec))
                {
                    rec = new WorkRec { Work = work, Order = _order++ };
                    _notQueuedInTrace++;
                }
                int fn = Intern(chunk, r, _ids.Function);
                if (fn != 0) rec.Function = fn;
                rec.StartNs = ts;
                rec.Cpu = view.Cpu;
                rec.Pid = view.Pid;
                rec.Comm = view.Comm;
                _running[view.Pid] = rec;
                break;
            }
            case EventRole.WorkEnd:
            {
                if (_running.Remove(view.Pid, out var rec))
                {
                    if (rec.Work == work || work == 0) Write(rec, ts);
                    else Write(rec, -1);
                }
                break;
            }
        }
    }

    public void End(List<ReportTable> reports)
    {
        var left = new List<WorkRec>(_running.Values);
        left.AddRange(_pending.Values);
        left.Sort((a, b) => a.Order.CompareTo(b.Order));
        foreach (var rec in left) Write(rec, -1);
        _running.Clear();
        _pending.Clear();
        reports.Add(_table);
    }

    public void AddCounts(SummaryCounts counts)
    {
        counts.Set("work_items", _rows);
        counts.Set("work_items_unfinished", _unfinished);
        counts.Set("work_items_queued_before_trace", _notQueuedInTrace);
    }

    int Intern(EventChunk chunk, int r, int key)
    {
        int f = chunk.FindField(r, key);
        return f < 0 ? 0 : _shared.NameCache.Id(chunk.FieldText(f));
    }

    void Write(WorkRec rec, long endNs)
    {
        _rows++;
        if (endNs < 0) _unfinished++;
        _trace.Append(_shared.Trace);
        _work.Append(rec.Work);
        _function.Append(_shared.Name(rec.Function));
        _workqueue.Append(_shared.Name(rec.Workqueue));
        Ns(_queued, rec.QueuedNs);
        if (rec.QueuedNs >= 0) { _queuedCpu.Append(rec.QueuedCpu); _queuedContext.Append(rec.QueuedContext.Name()); }
        else { _queuedCpu.AppendNull(); _queuedContext.AppendNull(); }
        Ns(_activated, rec.ActivatedNs);
        Ns(_start, rec.StartNs);
        Ns(_end, endNs);
        if (rec.StartNs >= 0) { _cpu.Append(rec.Cpu); _pid.Append(rec.Pid); _comm.Append(_shared.Name(rec.Comm)); }
        else { _cpu.AppendNull(); _pid.AppendNull(); _comm.AppendNull(); }
        Ns(_latency, rec.QueuedNs >= 0 && rec.StartNs >= 0 ? rec.StartNs - rec.QueuedNs : -1);
        Ns(_run, rec.StartNs >= 0 && endNs >= 0 ? endNs - rec.StartNs : -1);
        _shared.RowAdded(_table);
    }

    static void Ns(Column<long> c, long v)
    {
        if (v < 0) c.AppendNull(); else c.Append(v);
    }
}
