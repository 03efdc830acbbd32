using TraceReplay.Core.Interning;

namespace TraceReplay.Replay.Engine;

/// <summary>What the replay does with an event name; looked up once per name id, not per event.</summary>
internal enum EventRole : byte
{
    None = 0,
    SchedSwitch, SoftirqEntry, SoftirqExit, IrqEntry, IrqExit,
    WorkQueue, WorkActivate, WorkStart, WorkEnd,
    RcuInvoke, RcuBatchStart, RcuBatchEnd,
    CgroupMkdir, CgroupRmdir, CgroupRelease,
    ProcessFork, ProcessExit, ProcessFree,
    KmemCacheAlloc, KmemCacheFree, Kmalloc, Kfree,
    Function, GraphEntry, Kprobe, Stack,
}

/// <summary>Interned ids of the event names and field keys the replay reads (trace's NameTable).</summary>
internal sealed class EventIds
{
    EventRole[] _roles = [];
    readonly NameTable _names;
    int _scanned;

    public EventIds(NameTable names)
    {
        _names = names;
        Work = names.Intern("work"); Function = names.Intern("function"); Workqueue = names.Intern("workqueue");
        Vec = names.Intern("vec"); Name = names.Intern("name");
        NextPid = names.Intern("next_pid"); NextComm = names.Intern("next_comm");
        Func = names.Intern("func"); Ip = names.Intern("ip"); ProbeFunc = names.Intern("probe_func"); ProbeIp = names.Intern("probe_ip");
        Root = names.Intern("root"); Id = names.Intern("id"); Path = names.Intern("path");
        Pid = names.Intern("pid"); Comm = names.Intern("comm"); ChildPid = names.Intern("child_pid"); ChildComm = names.Intern("child_comm");
        Ptr = names.Intern("ptr"); BytesAlloc = names.Intern("bytes_alloc"); CallSite = names.Intern("call_site");
        StackField = names.Intern("stack");
        Unknown = names.Intern("<...>");
        Count = names.Intern("count");
    }

    public readonly int Work, Function, Workqueue, Vec, Name, NextPid, NextComm, Func, Ip, ProbeFunc, ProbeIp,
        Root, Id, Path, Pid, Comm, ChildPid, ChildComm, Ptr, BytesAlloc, CallSite, StackField, Unknown, Count;

    public EventRole Role(int eventId)
    {
        if (eventId >= _scanned)
            Extend(eventId);
        return _roles[eventId];
    }

    void Extend(int eventId)
    {
        int n = Math.Max(_names.Count, eventId + 1);
        Array.Resize(ref _roles, n);
        for (int i = _scanned; i < n; i++)
            _roles[i] = Classify(_names[i]);
        _scanned = n;
    }

    static EventRole Classify(string name) => name switch
    {
        "sched_switch" => EventRole.SchedSwitch,
        "softirq_entry" => EventRole.SoftirqEntry,
        "softirq_exit" => EventRole.SoftirqExit,
        "irq_handler_entry" => EventRole.IrqEntry,
        "irq_handler_exit" => EventRole.IrqExit,
        "workqueue_queue_work" => EventRole.WorkQueue,
        "workqueue_activate_work" => EventRole.WorkActivate,
        "workqueue_execute_start" => EventRole.WorkStart,
        "workqueue_execute_end" => EventRole.WorkEnd,
        "rcu_invoke_callback" => EventRole.RcuInvoke,
        "rcu_batch_start" => EventRole.RcuBatchStart,
        "rcu_batch_end" => EventRole.RcuBatchEnd,
        "cgroup_mkdir" => EventRole.CgroupMkdir,
        "cgroup_rmdir" => EventRole.CgroupRmdir,
        "cgroup_release" => EventRole.CgroupRelease,
        "sched_process_fork" => EventRole.ProcessFork,
        "sched_process_exit" => EventRole.ProcessExit,
        "sched_process_free" => EventRole.ProcessFree,
        "kmem_cache_alloc" or "kmem_cache_alloc_node" => EventRole.KmemCacheAlloc,
        "kmem_cache_free" => EventRole.KmemCacheFree,
        "kmalloc" or "kmalloc_node" => EventRole.Kmalloc,
        "kfree" => EventRole.Kfree,
        "function" => EventRole.Function,
        "funcgraph_entry" => EventRole.GraphEntry,
        "kernel_stack" => EventRole.Stack,
        _ => EventRole.None,
    };
}
