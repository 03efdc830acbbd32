using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Tests.Replay;

/// <summary>Records the view of every event (by input line) for assertions.</summary>
public sealed class RecordingObserver : IReplayObserver, IReplaySummaryContributor
{
    public readonly Dictionary<long, CpuContextView> ByLine = new();
    public readonly List<long> TimeOrder = new();
    public NameTable Names = null!;

    public void Begin(TraceInfo info, NameTable names) => Names = names;
    public void OnEvent(EventChunk chunk, int row, in CpuContextView context)
    {
        ByLine[chunk.Line[row]] = context;
        TimeOrder.Add(chunk.TsNs[row]);
    }
    public void End(List<ReportTable> reports) { }
    public void AddSummaryCounts(SummaryCounts counts) => counts.Add("observer_events", ByLine.Count);
}

/// <summary>The per-CPU context model on hand-built event sequences; expected values follow kernel.md §4 by hand.</summary>
public sealed class ContextModelTests
{
    [Fact]
    public void RcuSoftirqFrameGivesRcuCallbackContextAndTaskFreeLandsThere()
    {
        var obs = new RecordingObserver();
        var b = new ChunkBuilder()
            .Add(1000, 0, 0, "<idle>", ".....", "sched_switch", "prev_comm=swapper/0", "prev_pid=0", "next_comm=sleep", "next_pid=77")
            .Add(1100, 0, 77, "sleep", ".....", "sched_process_exit", "comm=sleep", "pid=77", "prio=120")
            .Add(1200, 0, 77, "sleep", "d..2.", "sched_switch", "prev_comm=sleep", "prev_pid=77", "next_comm=swapper/0", "next_pid=0")
            .Add(2000, 0, 0, "<idle>", "..s1.", "softirq_entry", "vec=9")
            .Add(2100, 0, 0, "<idle>", "..s1.", "sched_process_free", "comm=sleep", "pid=77", "prio=120")
            .Add(2200, 0, 0, "<idle>", "..s1.", "softirq_exit", "vec=9")
            .Add(2300, 0, 0, "<idle>", ".....", "rcu_utilization", "s=x");
        var r = b.Replay(observers: obs);

        Assert.Equal(ExecContext.RcuCallback, obs.ByLine[5].Context);
        Assert.Equal(9, obs.ByLine[5].SoftirqVec);
        Assert.Equal(ExecContext.Task, obs.ByLine[7].Context);
        Assert.False(obs.ByLine[5].Uncertain);

        var task = r.Rows("lifetimes").Single(x => (string)x["kind"]! == "task");
        Assert.Equal("77 sleep", task["key"]);
        Assert.Null(task["created_ns"]);
        Assert.Equal(1100L, task["offlined_ns"]);
        Assert.Equal(2100L, task["freed_ns"]);
        Assert.Equal("rcu-callback", task["free_context"]);
        Assert.Equal("<idle>", task["free_comm"]); // the line's comm wins over the sched_switch name
        Assert.Equal("freed", task["status"]);

        var soft = r.Rows("contexts").Single(x => (string)x["kind"]! == "softirq");
        Assert.Equal((2000L, 2200L, "RCU", 0, false), ((long)soft["start_ns"]!, (long)soft["end_ns"]!, (string?)soft["detail"], (int)soft["pid"]!, (bool)soft["uncertain"]!));
        Assert.Equal(0L, r.Summary("context_mismatches"));
        Assert.Equal(7L, r.Summary("observer_events"));
    }

    [Fact]
    public void FlagsDenyingAnOpenSoftirqIsAMismatchReportedAndCounted()
    {
        var obs = new RecordingObserver();
        var r = new ChunkBuilder()
            .Add(100, 1, 5, "a", ".....", "sched_switch", "prev_comm=x", "prev_pid=4", "next_comm=a", "next_pid=5")
            .Add(200, 1, 5, "a", "..s1.", "softirq_entry", "vec=1")
            .Add(300, 1, 5, "a", "d...1", "kfree", "call_site=foo+0x1/0x2", "ptr=0x10")
            .Add(400, 1, 5, "a", "..s1.", "softirq_exit", "vec=1")
            .Replay(observers: obs);

        var m = Assert.Single(r.Rows("context_mismatches"));
        Assert.Equal(300L, m["ts_ns"]);
        Assert.Equal(1, m["cpu"]);
        Assert.Equal(3L, m["line"]);
        Assert.Equal("d...1", m["source_flags"]);
        Assert.Equal("task>softirq(TIMER)", m["source_events"]);
        Assert.Equal(1L, r.Summary("context_mismatches"));
        Assert.True(obs.ByLine[3].Uncertain);
        // the disputed softirq span is closed at the disagreement and marked uncertain
        var soft = r.Rows("contexts").First(x => (string)x["kind"]! == "softirq");
        Assert.Equal((200L, 300L, true), ((long)soft["start_ns"]!, (long)soft["end_ns"]!, (bool)soft["uncertain"]!));
    }

    [Fact]
    public void HardirqFromHandlerEventsAndFromFlagsAlone()
    {
        var obs = new RecordingObserver();
        var r = new ChunkBuilder()
            .Add(100, 0, 9, "w", ".....", "sched_switch", "prev_comm=x", "prev_pid=1", "next_comm=w", "next_pid=9")
            .Add(200, 0, 9, "w", "d.h1.", "irq_handler_entry", "irq=24", "name=virtio0-input.0")
            .Add(250, 0, 9, "w", "d.h1.", "irq_handler_exit", "irq=24", "ret=handled")
            .Add(300, 0, 9, "w", "d.h2.", "sched_wakeup", "comm=k", "pid=3")   // timer irq: no handler events
            .Add(400, 0, 9, "w", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")
            .Replay(observers: obs);

        Assert.Equal(ExecContext.HardIrq, obs.ByLine[2].Context);
        Assert.Equal("virtio0-input.0", obs.Names[obs.ByLine[2].HardIrqName]);
        Assert.Equal(ExecContext.HardIrq, obs.ByLine[4].Context);
        Assert.Equal(0, obs.ByLine[4].HardIrqName);
        Assert.Equal(ExecContext.Task, obs.ByLine[5].Context);
        var hard = r.Rows("contexts").Where(x => (string)x["kind"]! == "hardirq")
            .Select(x => ((long)x["start_ns"]!, (long)x["end_ns"]!, (string?)x["detail"], (bool)x["uncertain"]!)).ToList();
        // the flags-only span is marked uncertain: its true start and end were not observed
        Assert.Equal(new[] { (200L, 250L, (string?)"virtio0-input.0", false), (300L, 400L, (string?)null, true) }, hard);
        Assert.Equal(0L, r.Summary("context_mismatches"));
    }

    [Fact]
    public void TraceStartingMidSoftirqIsUncertainNotAMismatch()
    {
        var obs = new RecordingObserver();
        var r = new ChunkBuilder()
            .Add(100, 0, 0, "<idle>", "..s1.", "kmem_cache_free", "call_site=rcu_do_batch+0x1/0x2", "ptr=0x40", "name=dentry")
            .Add(150, 0, 0, "<idle>", "..s1.", "softirq_exit", "vec=9")
            .Add(200, 0, 0, "<idle>", ".....", "rcu_utilization", "s=y")
            .Replay(observers: obs);

        Assert.Equal(0L, r.Summary("context_mismatches"));
        Assert.True(obs.ByLine[1].Uncertain);
        Assert.Equal(ExecContext.SoftIrq, obs.ByLine[1].Context);
        var soft = r.Rows("contexts").Single(x => (string)x["kind"]! == "softirq");
        Assert.Equal((100L, 150L, "RCU", true), ((long)soft["start_ns"]!, (long)soft["end_ns"]!, (string?)soft["detail"], (bool)soft["uncertain"]!));
    }

    [Fact]
    public void LostEventsCloseOpenContextsAsUncertainAndResetTheCpu()
    {
        var b = new ChunkBuilder()
            .Add(100, 0, 5, "a", ".....", "sched_switch", "prev_comm=x", "prev_pid=4", "next_comm=a", "next_pid=5")
            .Add(200, 0, 5, "a", "..s1.", "softirq_entry", "vec=3")
            .Add(EventKind.Lost, 300, 0, -1, "", "", "lost_events", "count=12")
            .Add(400, 0, 6, "b", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0");
        var obs = new RecordingObserver();
        var r = b.Replay(observers: obs);

        Assert.Equal(0L, r.Summary("context_mismatches"));
        Assert.Equal(12L, r.Summary("lost_events"));
        Assert.Equal(1L, r.Summary("lost_markers"));
        Assert.True(obs.ByLine[4].Uncertain);
        Assert.Equal(ExecContext.Task, obs.ByLine[4].Context);
        var rows = r.Rows("contexts").Select(x => ((string)x["kind"]!, (long)x["start_ns"]!, (long)x["end_ns"]!, (bool)x["uncertain"]!)).ToList();
        Assert.Contains(("softirq", 200L, 300L, true), rows);
        Assert.Contains(("task", 100L, 300L, true), rows);
        Assert.Contains(("task", 400L, 400L, true), rows);
    }

    [Fact]
    public void OldKernelSoftirqLetterInsideLocalBhDisableIsBhOffNotSoftirq()
    {
        var b = new ChunkBuilder()
            .Add(100, 0, 5, "a", "....", "sched_switch", "prev_comm=x", "prev_pid=4", "next_comm=a", "next_pid=5")
            .Add(200, 0, 5, "a", "..s1", "softirq_entry", "vec=9")
            .Add(250, 0, 5, "a", "..s1", "softirq_exit", "vec=9")
            .Add(300, 0, 5, "a", "..s1", "kfree", "call_site=f+0x1/0x2", "ptr=0x0");
        var old = new RecordingObserver();
        var r = b.Replay(new TraceInfo("old", "old") { Format = TraceFormat.FtraceText, Variant = "tracefs", FlagsWidth = 4, Kernel = "3.18.30" }, observers: old);
        Assert.Equal(ExecContext.TaskBhOff, old.ByLine[4].Context);
        Assert.True(old.ByLine[4].BhOff);
        Assert.Equal(0L, r.Summary("context_mismatches"));

        var b2 = new ChunkBuilder()
            .Add(100, 0, 5, "a", "....", "sched_switch", "prev_comm=x", "prev_pid=4", "next_comm=a", "next_pid=5")
            .Add(300, 0, 5, "a", "..s1", "kfree", "call_site=f+0x1/0x2", "ptr=0x0");
        var modern = new RecordingObserver();
        b2.Replay(new TraceInfo("new", "new") { Format = TraceFormat.FtraceText, Variant = "tracefs", FlagsWidth = 4, Kernel = "5.4.0" }, observers: modern);
        Assert.Equal(ExecContext.SoftIrq, modern.ByLine[2].Context);
    }

    [Fact]
    public void KworkerSleepingInsideAWorkItemKeepsItAcrossSwitches()
    {
        var obs = new RecordingObserver();
        new ChunkBuilder()
            .Add(100, 0, 40, "kworker/0:1", ".....", "workqueue_execute_start", "work=0xffff888100001000", "function=css_free_rwork_fn")
            .Add(110, 0, 40, "kworker/0:1", "d..2.", "sched_switch", "prev_comm=kworker/0:1", "prev_pid=40", "next_comm=b", "next_pid=50")
            .Add(120, 0, 50, "b", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")
            .Add(130, 0, 50, "b", "d..2.", "sched_switch", "prev_comm=b", "prev_pid=50", "next_comm=kworker/0:1", "next_pid=40")
            .Add(140, 0, 40, "kworker/0:1", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")
            .Add(150, 0, 40, "kworker/0:1", ".....", "workqueue_execute_end", "work=0xffff888100001000", "function=css_free_rwork_fn")
            .Add(160, 0, 40, "kworker/0:1", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")
            .Replay(observers: obs);
        Assert.Equal(0xffff888100001000UL, obs.ByLine[1].WorkStruct);
        Assert.Equal(0UL, obs.ByLine[3].WorkStruct);
        Assert.Equal(0xffff888100001000UL, obs.ByLine[5].WorkStruct);
        Assert.Equal("css_free_rwork_fn", obs.Names[obs.ByLine[5].WorkFunction]);
        Assert.Equal(0UL, obs.ByLine[7].WorkStruct);
    }

    [Fact]
    public void ReorderWindowRestoresTimeOrderAndCountsWhatFallsOutside()
    {
        var obs = new RecordingObserver();
        var b = new ChunkBuilder()
            .Add(1_000_000, 0, 1, "a", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")
            .Add(3_000_000, 1, 2, "b", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")
            .Add(2_000_000, 0, 1, "a", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")    // 1 ms late: inside the window
            .Add(90_000_000, 1, 2, "b", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")   // releases 1, 2, 3 ms
            .Add(130_000_000, 1, 2, "b", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0")  // releases 90 ms
            .Add(50_000_000, 0, 1, "a", ".....", "kfree", "call_site=f+0x1/0x2", "ptr=0x0");  // older than 90 ms, already out: late
        var info = new TraceInfo("pipe", "pipe") { Format = TraceFormat.FtraceText, Variant = "trace_pipe", FlagsWidth = 5 };
        // one chunk per event, as a pipe reader would deliver them in small reads
        var engine = new ReplayEngine(new ReplayOptions { ReorderWindowNs = 20_000_000 });
        engine.Add(obs);
        engine.Begin(info, b.Names);
        var one = new EventChunk(8);
        for (int i = 0; i < b.Chunk.Count; i++)
        {
            one.Clear();
            RowCopyForTests.Copy(b.Chunk, i, one);
            engine.Consume(one);
        }
        engine.End();
        var summary = new Reports(engine.Reports);
        Assert.Equal(new long[] { 1_000_000, 2_000_000, 3_000_000, 90_000_000, 50_000_000, 130_000_000 }, obs.TimeOrder);
        Assert.Equal(1L, summary.Summary("out_of_order_events"));
    }
}

/// <summary>Copies a row between chunks through the public chunk API (independent of the engine's own copier).</summary>
public static class RowCopyForTests
{
    public static void Copy(EventChunk src, int row, EventChunk dst)
    {
        int d = dst.AddRow();
        dst.Seq[d] = src.Seq[row]; dst.Line[d] = src.Line[row]; dst.TsNs[d] = src.TsNs[row]; dst.Cpu[d] = src.Cpu[row];
        dst.Pid[d] = src.Pid[row]; dst.Comm[d] = src.Comm[row]; dst.Event[d] = src.Event[row]; dst.Kind[d] = src.Kind[row];
        dst.Flags[d] = src.Flags[row]; dst.Context[d] = src.Context[row]; dst.PreemptDepth[d] = src.PreemptDepth[row];
        dst.SetPayload(d, src.Payload(row));
        for (int f = src.FieldStart[row]; f < src.FieldStart[row] + src.FieldCount[row]; f++)
        {
            dst.AddTextField(d, src.FieldKey[f], src.FieldText(f));
            dst.FieldTypes[dst.FieldTotal - 1] = src.FieldTypes[f];
            dst.FieldValue[dst.FieldTotal - 1] = src.FieldValue[f];
        }
    }
}
