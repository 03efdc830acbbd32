using System.Text;
using TraceReplay.Core.Events;

namespace TraceReplay.Tests.Ingest;

/// <summary>
/// Golden rows: each line below was copied from a real fixture (or built from the kernel's printf formats quoted in
/// shared/docs/kernel.md §3–4 where no fixture has the variant) and the expected values were typed by reading it.
/// </summary>
public sealed class FtraceTextGoldenTests
{
    static EventRow Single(string text, out TraceInfo info)
    {
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        info = reader.Info;
        return Assert.Single(rows);
    }

    static EventRow Single(string text) => Single(text, out _);

    [Fact]
    public void TracefsFiveCharFlagsLine()
    {
        var header = "# tracer: nop\n#\n# entries-in-buffer/entries-written: 23002/23002   #P:2\n";
        var r = Single(header + " instance_captur-11781   [001] ..... 12300.846672: kmem_cache_free: call_site=__fput+0x141/0x2a0 ptr=ffff8881113af318 name=lsm_file_cache\n", out var info);
        Assert.Equal(12300_846672_000L, r.TsNs);
        Assert.Equal(1, r.Cpu);
        Assert.Equal(11781, r.Pid);
        Assert.Equal(-1, r.Tgid);
        Assert.Equal("instance_captur", r.Comm);
        Assert.Equal("kmem_cache_free", r.Event);
        Assert.Equal(EventKind.Tracepoint, r.Kind);
        Assert.Equal(".....", r.Flags);
        Assert.Equal(ContextBits.Known, r.Context);
        Assert.Equal(0, r.NeedResched);
        Assert.Equal(0, r.PreemptDepth);
        Assert.Equal(0, r.MigrateDisable);
        Assert.Equal(4, r.Line);
        Assert.Equal(header.Length, r.Offset);
        Assert.Equal((FieldType.Text, 0L, "__fput+0x141/0x2a0"), r.Fields["call_site"]);
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff8881113af318UL), "ffff8881113af318"), r.Fields["ptr"]);
        Assert.Equal((FieldType.Text, 0L, "lsm_file_cache"), r.Fields["name"]);
        Assert.Equal("tracefs", info.Variant);
        Assert.Equal("nop", info.Tracer);
        Assert.Equal(2, info.HeaderCpus);
        Assert.Equal(23002, info.EntriesInBuffer);
        Assert.Equal(23002, info.EntriesWritten);
        Assert.Equal(3, info.HeaderLines);
    }

    [Fact]
    public void FourCharFlagsWithNeedReschedHardirqAndUnknownComm()
    {
        var r = Single("           <...>-1252  [000] dNh2   108.255501: sched_wakeup: comm=android.display pid=1603 prio=116 success=1 target_cpu=000\n");
        Assert.Equal("<...>", r.Comm);
        Assert.Equal(1252, r.Pid);
        Assert.Equal(108_255501_000L, r.TsNs);
        Assert.Equal("dNh2", r.Flags);
        Assert.Equal(ContextBits.Known | ContextBits.IrqsOff | ContextBits.HardIrq, r.Context);
        Assert.Equal((byte)'N', r.NeedResched);
        Assert.Equal(2, r.PreemptDepth);
        Assert.Equal(-1, r.MigrateDisable);
        Assert.Equal((FieldType.Text, 0L, "android.display"), r.Fields["comm"]);
        Assert.Equal((FieldType.Int, 1603L, "1603"), r.Fields["pid"]);
        Assert.Equal((FieldType.Int, 0L, "000"), r.Fields["target_cpu"]);
    }

    [Theory]
    // flags, context, need-resched letter, depth, migrate-disable (kernel.md §4)
    [InlineData("d.s2.", ContextBits.IrqsOff | ContextBits.SoftIrq, '\0', 2, 0)]
    [InlineData("D.s2.", ContextBits.IrqsOff | ContextBits.BhOff | ContextBits.SoftIrq, '\0', 2, 0)]
    [InlineData("b..1.", ContextBits.BhOff, '\0', 1, 0)]
    [InlineData(".bZ32", ContextBits.Nmi | ContextBits.HardIrq, 'b', 3, 2)]
    [InlineData(".Lz..", ContextBits.Nmi, 'L', 0, 0)]
    [InlineData("dBH1f", ContextBits.IrqsOff | ContextBits.HardIrq | ContextBits.SoftIrq, 'B', 1, 15)]
    [InlineData(".l...", ContextBits.None, 'l', 0, 0)]
    [InlineData(".n...", ContextBits.None, 'n', 0, 0)]
    [InlineData(".p.f1", ContextBits.None, 'p', 15, 1)]
    [InlineData("X.h.", ContextBits.IrqsNotSupported | ContextBits.HardIrq, '\0', 0, -1)]
    [InlineData("dNs3", ContextBits.IrqsOff | ContextBits.SoftIrq, 'N', 3, -1)]
    public void EveryFlagLetterDecodes(string flags, ContextBits context, char needResched, int depth, int migrate)
    {
        var r = Single($"          mkdir-11787   [000] {flags} 12300.853440: cgroup_mkdir: root=4 id=136419 level=1 path=/tdat1\n");
        Assert.Equal(flags, r.Flags);
        Assert.Equal(ContextBits.Known | context, r.Context);
        Assert.Equal((byte)needResched, r.NeedResched);
        Assert.Equal(depth, r.PreemptDepth);
        Assert.Equal(migrate, r.MigrateDisable);
        Assert.Equal((FieldType.Text, 0L, "/tdat1"), r.Fields["path"]);
        Assert.Equal((FieldType.Int, 136419L, "136419"), r.Fields["id"]);
    }

    [Fact]
    public void PreemptRtLegendWithLazyColumnsIsFollowed()
    {
        // PREEMPT_RT (5.x-rt) header: need-resched-lazy and preempt-lazy-depth columns, 7 wide
        var rt = "# tracer: nop\n" +
                 "#                                _-------=> irqs-off\n" +
                 "#                               / _------=> need-resched\n" +
                 "#                              | / _-----=> need-resched-lazy\n" +
                 "#                              || / _----=> hardirq/softirq\n" +
                 "#                              ||| / _---=> preempt-depth\n" +
                 "#                              |||| / _--=> preempt-lazy-depth\n" +
                 "#                              ||||| / _-=> migrate-disable\n" +
                 "#                              |||||| /     delay\n" +
                 "     ktimersoftd-9     [000] d.Ls2.1 12300.853440: softirq_entry: vec=1 [action=TIMER]\n";
        var r = Single(rt);
        Assert.Equal("d.Ls2.1", r.Flags);
        Assert.Equal(ContextBits.Known | ContextBits.IrqsOff | ContextBits.SoftIrq, r.Context);
        Assert.Equal((byte)'L', r.NeedResched);
        Assert.Equal((2, 1), (r.PreemptDepth, r.MigrateDisable));

        // the latency-format legend names "CPU#" first; it is fused to the flags and not a flag column
        var lat = "#                    _------=> CPU#\n" +
                  "#                   / _-----=> irqs-off/BH-disabled\n" +
                  "#                  | / _----=> need-resched\n" +
                  "#                  || / _---=> hardirq/softirq\n" +
                  "#                  ||| / _--=> preempt-depth\n" +
                  "#                  |||| / _-=> migrate-disable\n" +
                  "#                  ||||| /     delay\n" +
                  "  <idle>-0         1dNs2. 119964us+: percpu_free_percpu: base_addr=0000000082a8c589 off=63312 ptr=00000000b43c7bb9\n";
        var l = Single(lat);
        Assert.Equal(ContextBits.Known | ContextBits.IrqsOff | ContextBits.SoftIrq, l.Context);
        Assert.Equal(((byte)'N', (sbyte)2, (sbyte)0), (l.NeedResched, l.PreemptDepth, l.MigrateDisable));
    }

    [Fact]
    public void TgidColumnNumericAndDashes()
    {
        var (rows, reader) = IngestTestUtil.ReadText(
            "  surfaceflinger-598   (  598) [004] .... 10852.771242: tracing_mark_write: B|598|some event\n" +
            "           <...>-19161 (-----) [001] ...1 683201.354908: tracing_mark_write: trace_event_clock_sync: parent_ts=683201.375000\n");
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(598, rows[0].Tgid);
        Assert.Equal("surfaceflinger", rows[0].Comm);
        Assert.Equal("print", rows[0].Event);
        Assert.Equal(EventKind.Print, rows[0].Kind);
        Assert.Equal("tracing_mark_write", rows[0].Fields["ip"].Text);
        Assert.Equal("B|598|some event", rows[0].Fields["buf"].Text);
        Assert.Equal(-1, rows[1].Tgid);
        Assert.Equal(19161, rows[1].Pid);
        Assert.Equal(1, rows[1].Cpu);
        Assert.Equal("trace_event_clock_sync: parent_ts=683201.375000", rows[1].Fields["buf"].Text);
        Assert.Equal("trace_pipe", reader.Info.Variant);
    }

    [Fact]
    public void CommsWithSpacesDashesAndColons()
    {
        var (rows, _) = IngestTestUtil.ReadText(
            "     Web Content-2711  [003] d... 26186.336632: sched_waking: comm=Timer pid=2745 prio=120 target_cpu=001\n" +
            "     gnome-shell-1746  [002] dN.. 26186.336661: sched_wakeup: comm=kworker/2:0H pid=24678 prio=100 target_cpu=002\n" +
            "   Binder:2030_3-2053  [001] ...1   652.762396: sys_enter: NR 172 (29, c350, 805, ffffffff, 81, a508c6e8)\n");
        Assert.Equal(["Web Content", "gnome-shell", "Binder:2030_3"], rows.Select(r => r.Comm));
        Assert.Equal([2711, 1746, 2053], rows.Select(r => r.Pid));
        Assert.Equal("kworker/2:0H", rows[1].Fields["comm"].Text);
        Assert.Equal("NR 172 (29, c350, 805, ffffffff, 81, a508c6e8)", rows[2].Payload);
    }

    [Fact]
    public void TraceCmdReportDefaultAndHeaders()
    {
        var (rows, reader) = IngestTestUtil.ReadText(
            "version = 6\ncpus=4\nCPU 3 is empty\n" +
            " instance_captur-11781 [001] 12300.846672: kmem_cache_free:      (__fput+0x141) call_site=__fput+0x141 ptr=0xffff8881113af318 name=lsm_file_cache\n" +
            " instance_captur-11781 [001] 12300.847121: sched_switch:         instance_captur:11781 [120] S ==> instance_captur:11784 [120]\n" +
            "      cgchurn.sh-11784 [001] 12300.851503: print:                tracing_mark_write: tdat iter 1\n" +
            " instance_captur-11781 [001] 12300.846736: kfree:                (ida_alloc_range+0x39b) call_site=ida_alloc_range+0x39b ptr=(nil)\n");
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal("trace-cmd-report", reader.Info.Variant);
        Assert.Equal(4, reader.Info.HeaderCpus);
        Assert.Equal(3, reader.Info.HeaderLines);
        var free = rows[0];
        Assert.Equal(ContextBits.None, free.Context);
        Assert.Equal(-1, free.PreemptDepth);
        Assert.Equal("", free.Flags);
        Assert.Equal((FieldType.Text, 0L, "__fput+0x141"), free.Fields["call_site"]);
        Assert.Equal(unchecked((long)0xffff8881113af318UL), free.Fields["ptr"].Value);
        Assert.Equal(3, free.Fields.Count); // the plugin's "(__fput+0x141)" is not a field
        var sw = rows[1];
        Assert.Equal("instance_captur", sw.Fields["prev_comm"].Text);
        Assert.Equal((FieldType.Int, 11781L, "11781"), sw.Fields["prev_pid"]);
        Assert.Equal(120, sw.Fields["prev_prio"].Value);
        Assert.Equal("S", sw.Fields["prev_state"].Text);
        Assert.Equal(11784, sw.Fields["next_pid"].Value);
        Assert.Equal(120, sw.Fields["next_prio"].Value);
        Assert.Equal(EventKind.Print, rows[2].Kind);
        Assert.Equal("tdat iter 1", rows[2].Fields["buf"].Text);
        Assert.Equal((FieldType.Hex, 0L, "(nil)"), rows[3].Fields["ptr"]);
    }

    [Fact]
    public void TraceCmdReportLatencyNsTsDiffAndRawClock()
    {
        var l = Single("cpus=2\ninstance-11781   1..... 12300.846672: kmem_cache_free:      (__fput+0x141) call_site=__fput+0x141 ptr=0xffff8881113af318 name=lsm_file_cache\n", out var info);
        Assert.Equal(("instance", 11781, 1, ".....", 12300_846672_000L), (l.Comm, l.Pid, l.Cpu, l.Flags, l.TsNs));
        Assert.Equal("trace-cmd-report-l", info.Variant);

        var t = Single(" instance_captur-11781 [001] 12300.846671767: kmem_cache_free:      (__fput+0x141) call_site=__fput+0x141 ptr=0xffff8881113af318 name=lsm_file_cache\n");
        Assert.Equal(12300_846671_767L, t.TsNs);

        var d = Single(" instance_captur-11781 [001] 12300.846673: (+1193)  kmem_cache_free:      (task_work_run+0x59) call_site=task_work_run+0x59 ptr=0xffff88815c126600 name=filp\n");
        Assert.Equal("kmem_cache_free", d.Event);
        Assert.Equal("filp", d.Fields["name"].Text);

        var raw = Single("cpus=2\ntracedat:       cgchurn.sh-11224 [000]30057012021685: kmem_cache_alloc:     (getname_flags.part.0+0x24) call_site=getname_flags.part.0+0x24 ptr=0xffff888101bca000 name=names_cache bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 accounted=false\n", out info);
        Assert.Equal(("cgchurn.sh", 11224, 0, 30057012021685L), (raw.Comm, raw.Pid, raw.Cpu, raw.TsNs));
        Assert.True(info.CounterClock);
        Assert.Equal(-1, raw.Fields["node"].Value);
        Assert.Equal("GFP_KERNEL", raw.Fields["gfp_flags"].Text);

        var rawL = Single("cpus=2\ntracedat: cgchurn.-11224   0.....30057012021685: kmem_cache_alloc:     (getname_flags.part.0+0x24) call_site=getname_flags.part.0+0x24 ptr=0xffff888101bca000 name=names_cache\n");
        Assert.Equal(("cgchurn.", 11224, 0, ".....", 30057012021685L), (rawL.Comm, rawL.Pid, rawL.Cpu, rawL.Flags, rawL.TsNs));
    }

    [Fact]
    public void LostEventMarkersBecomeRows()
    {
        var (rows, reader) = IngestTestUtil.ReadText(
            "cpus=2\nCPU:1 [123 EVENTS DROPPED]\n      cgchurn.sh-11784 [001] 12300.851503: print:                tracing_mark_write: x\n" +
            "tracedat: CPU:0 [EVENTS DROPPED]\nCPU:2 [LOST 45 EVENTS]\n");
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(["lost_events", "print", "lost_events", "lost_events"], rows.Select(r => r.Event));
        Assert.Equal([1, 1, 0, 2], rows.Select(r => r.Cpu));
        Assert.Equal(EventKind.Lost, rows[0].Kind);
        Assert.Equal([123L, -1L, 45L], new[] { rows[0], rows[2], rows[3] }.Select(r => r.Fields["count"].Value));
        Assert.Equal(3, reader.Info.LostMarkers);
        Assert.Equal(168, reader.Info.LostEvents);
        Assert.Equal([2L, 3L, 4L, 5L], rows.Select(r => r.Line));
    }

    [Fact]
    public void LatencyFormatWithStackTrace()
    {
        var text = Encoding.UTF8.GetString(IngestTestUtil.FixtureBytes("sample_trace_6.18_memcg_free.txt"));
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal("latency", reader.Info.Variant);
        // line 1: "  <idle>-0         1dNs2. 119964us+: percpu_free_percpu: base_addr=0000000082a8c589 off=63312 ptr=00000000b43c7bb9"
        var first = rows[0];
        Assert.Equal(("<idle>", 0, 1, "dNs2.", 119_964_000L), (first.Comm, first.Pid, first.Cpu, first.Flags, first.TsNs));
        Assert.Equal(ContextBits.Known | ContextBits.IrqsOff | ContextBits.SoftIrq, first.Context);
        Assert.Equal((FieldType.Hex, 0x82a8c589L, "0000000082a8c589"), first.Fields["base_addr"]);
        Assert.Equal((FieldType.Hex, 0xb43c7bb9L, "00000000b43c7bb9"), first.Fields["ptr"]);
        Assert.Equal(63312, first.Fields["off"].Value);
        // line 3: "kworker/-41        1..... 120013us : workqueue_execute_start: work struct 00000000048b8047: function css_free_rwork_fn"
        var wq = rows[2];
        Assert.Equal(("kworker/", 41, 120_013_000L), (wq.Comm, wq.Pid, wq.TsNs));
        Assert.Equal((FieldType.Hex, 0x48b8047L, "00000000048b8047"), wq.Fields["work"]);
        Assert.Equal("css_free_rwork_fn", wq.Fields["function"].Text);
        // line 5: "<stack trace>" + 8 frames, attached to the kfree on line 4
        var stack = rows[4];
        Assert.Equal(5, stack.Line);
        Assert.Equal(("kernel_stack", EventKind.Stack), (stack.Event, stack.Kind));
        Assert.Equal("trace_event_raw_event_kfree;kfree;css_free_rwork_fn;process_one_work;worker_thread;kthread;ret_from_fork;ret_from_fork_asm",
            stack.Fields["stack"].Text);
        Assert.Equal(rows[3].Seq, stack.Fields["parent_seq"].Value);
        Assert.Equal("kfree", rows[3].Event);
        Assert.Equal(14, rows[5].Line); // after 8 frame lines
        Assert.Equal(128, reader.Info.ContinuationLines);
    }

    [Fact]
    public void FunctionTracerLines()
    {
        var (rows, _) = IngestTestUtil.ReadText(
            "          svscan-1678  [000] .... 6412438.703521: do_nanosleep <-hrtimer_nanosleep\n" +
            "       kworker/0:1-9       [000] ..... 12.345678: __mem_cgroup_free <-css_free_rwork_fn\n" +
            "          vmstat-28371 [000] 6412453.216241: do_nanosleep\n" +
            // 6.15+ func-args option (kernel.md §3.10)
            "       kworker/0:1-9       [000] ..... 12.345679: kmem_cache_free(s=0xffff888100042a00, x=0xffff8881113af318) <-css_free_rwork_fn\n");
        Assert.All(rows, r => Assert.Equal(("function", EventKind.Function), (r.Event, r.Kind)));
        Assert.Equal(("do_nanosleep", "hrtimer_nanosleep"), (rows[0].Fields["ip"].Text, rows[0].Fields["parent_ip"].Text));
        Assert.Equal(("kworker/0:1", 9, "__mem_cgroup_free"), (rows[1].Comm, rows[1].Pid, rows[1].Fields["ip"].Text));
        Assert.Equal(6412438_703521_000L, rows[0].TsNs);
        Assert.Equal("do_nanosleep", rows[2].Fields["ip"].Text);
        Assert.False(rows[2].Fields.ContainsKey("parent_ip"));
        Assert.Equal(("kmem_cache_free", "css_free_rwork_fn"), (rows[3].Fields["ip"].Text, rows[3].Fields["parent_ip"].Text));
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff8881113af318UL)), (rows[3].Fields["x"].Type, rows[3].Fields["x"].Value));
    }

    [Fact]
    public void FunctionGraphLines()
    {
        var (rows, reader) = IngestTestUtil.ReadText(
            "# tracer: function_graph\n" +
            " 0)               |  do_nanosleep() {\n" +
            " 0)   0.198 us    |          _raw_spin_lock_irqsave();\n" +
            " 0)   1.583 us    |          } /* load_TLS_descriptor */\n" +
            " 0) + 13.469 us   |  }\n" +
            " ------------------------------------------\n" +
            " 0)  platfor-3210  =>  vmstat-2854  \n" +
            " ------------------------------------------\n" +
            "7238523.638066 |   0)   19354026 us |            } /* __schedule */\n" +
            " 1)   <idle>-0    |   0.641 us    |    rcu_irq_exit();\n" +
            " 1)   getname() {\n" +
            " 1)   /* hello */\n");
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(3, reader.Info.HeaderLines);
        Assert.Equal(("funcgraph_entry", EventKind.GraphEntry, "do_nanosleep", 0L), (rows[0].Event, rows[0].Kind, rows[0].Fields["func"].Text, rows[0].Fields["depth"].Value));
        Assert.Equal((EventKind.GraphLeaf, "_raw_spin_lock_irqsave", 4L, 198L),
            (rows[1].Kind, rows[1].Fields["func"].Text, rows[1].Fields["depth"].Value, rows[1].Fields["duration_ns"].Value));
        Assert.Equal(("funcgraph_exit", EventKind.GraphExit, "load_TLS_descriptor", 1583L, 4L),
            (rows[2].Event, rows[2].Kind, rows[2].Fields["func"].Text, rows[2].Fields["duration_ns"].Value, rows[2].Fields["depth"].Value));
        Assert.Equal((13469L, 0L), (rows[3].Fields["duration_ns"].Value, rows[3].Fields["depth"].Value));
        Assert.False(rows[3].Fields.ContainsKey("func"));
        Assert.Equal((EventKind.GraphSwitch, "platfor", 3210L, "vmstat", 2854L),
            (rows[4].Kind, rows[4].Fields["prev_comm"].Text, rows[4].Fields["prev_pid"].Value, rows[4].Fields["next_comm"].Text, rows[4].Fields["next_pid"].Value));
        Assert.Equal((7238523_638066_000L, 19354026_000L, "__schedule", 5L),
            (rows[5].TsNs, rows[5].Fields["duration_ns"].Value, rows[5].Fields["func"].Text, rows[5].Fields["depth"].Value));
        Assert.Equal(("<idle>", 0, 1, "rcu_irq_exit", 641L), (rows[6].Comm, rows[6].Pid, rows[6].Cpu, rows[6].Fields["func"].Text, rows[6].Fields["duration_ns"].Value));
        Assert.Equal(("getname", 1L), (rows[7].Fields["func"].Text, rows[7].Fields["depth"].Value));
        Assert.Equal((EventKind.Print, "hello"), (rows[8].Kind, rows[8].Fields["buf"].Text));
        Assert.All(rows.Take(5), r => Assert.Equal(-1, r.Pid));
    }

    [Fact]
    public void KprobeAndKretprobe()
    {
        var (rows, _) = IngestTestUtil.ReadText(
            "           rmmod-4242    [001] ..... 1234.000001: p_kmem_cache_destroy_0: (kmem_cache_destroy+0x0/0x1a0) arg1=0xffff88810a2b3c00\n" +
            "           rmmod-4242    [001] ..... 1234.000002: r_kmem_cache_destroy_0: (my_exit+0x1b/0x30 <- kmem_cache_destroy) arg1=0x0\n" +
            "            bash-1       [000] ..... 1234.000003: myretprobe: (sys_openat+0xc/0xe <- do_sys_open) $retval=fffffffffffffffe\n");
        Assert.Equal(("p_kmem_cache_destroy_0", EventKind.Kprobe), (rows[0].Event, rows[0].Kind));
        Assert.Equal("kmem_cache_destroy", rows[0].Fields["probe_func"].Text);
        Assert.Equal("kmem_cache_destroy+0x0/0x1a0", rows[0].Fields["probe_ip"].Text);
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff88810a2b3c00UL)), (rows[0].Fields["arg1"].Type, rows[0].Fields["arg1"].Value));
        Assert.Equal(("r_kmem_cache_destroy_0", EventKind.Kretprobe), (rows[1].Event, rows[1].Kind));
        Assert.Equal(("kmem_cache_destroy", "my_exit+0x1b/0x30"), (rows[1].Fields["probe_func"].Text, rows[1].Fields["ret_ip"].Text));
        Assert.Equal((FieldType.Hex, 0L), (rows[1].Fields["arg1"].Type, rows[1].Fields["arg1"].Value));
        Assert.Equal(("do_sys_open", EventKind.Kretprobe), (rows[2].Fields["probe_func"].Text, rows[2].Kind));
        Assert.Equal((FieldType.Hex, -2L), (rows[2].Fields["$retval"].Type, rows[2].Fields["$retval"].Value));
    }

    [Fact]
    public void SpecialGrammars()
    {
        var (rows, reader) = IngestTestUtil.ReadText(
            "     ksoftirqd/0-14      [000] ..s1. 12300.874213: workqueue_queue_work: work struct=ffff88811e06b4e0 function=css_killed_work_fn workqueue=cgroup_offline req_cpu=256 cpu=0\n" +
            "     ksoftirqd/0-14      [000] d.s2. 12300.874214: workqueue_activate_work: work struct ffff88811e06b4e0 function=css_killed_work_fn \n" +
            "     kworker/0:2-19410   [000] ..... 12300.874370: workqueue_execute_start: work struct ffff88811e06b4e0: function css_killed_work_fn\n" +
            "             seq-11786   [001] ..s.. 12300.850134: softirq_entry: vec=9 [action=RCU]\n" +
            "          <idle>-0       [001] d.h1. 12300.937552: irq_handler_entry: irq=42 name=virtio3-tx\n" +
            "     rcuop/1-20          [001] b..1. 12300.900000: rcu_barrier: rcu_preempt Begin cpu -1 remaining 0 # 4\n" +
            "     rcuop/1-20          [001] b..1. 12300.900001: rcu_invoke_callback: rcu_preempt rhp=0000000012345678 func=css_free_rwork_fn\n" +
            " instance_captur-11781   [001] ..... 12300.847115: rcu_utilization: Start context switch\n" +
            "           mkdir-11787   [000] ...1. 12300.853441: lock_acquire: ffff888100a5f0b8 try read &mm->mmap_lock\n" +
            "           mkdir-11787   [000] ...1. 12300.853442: lock_release: ffff888100a5f0b8 &mm->mmap_lock\n" +
            "      cgchurn.sh-11784   [000] d..1. 12300.869215: contention_begin: ffffc9000173bdc8 (flags=SPIN)\n" +
            "          <idle>-0       [000] d..2. 12300.869300: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R+ ==> next_comm=Web Content next_pid=2711 next_prio=120\n");
        Assert.Equal(0, reader.Errors.Total);
        var q = rows[0].Fields;
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff88811e06b4e0UL)), (q["work"].Type, q["work"].Value));
        Assert.Equal(("css_killed_work_fn", "cgroup_offline", 256L, 0L), (q["function"].Text, q["workqueue"].Text, q["req_cpu"].Value, q["cpu"].Value));
        Assert.Equal((unchecked((long)0xffff88811e06b4e0UL), "css_killed_work_fn"), (rows[1].Fields["work"].Value, rows[1].Fields["function"].Text));
        Assert.Equal((unchecked((long)0xffff88811e06b4e0UL), "css_killed_work_fn"), (rows[2].Fields["work"].Value, rows[2].Fields["function"].Text));
        Assert.Equal((9L, "RCU"), (rows[3].Fields["vec"].Value, rows[3].Fields["action"].Text));
        Assert.Equal((42L, "virtio3-tx"), (rows[4].Fields["irq"].Value, rows[4].Fields["name"].Text));
        var b = rows[5].Fields;
        Assert.Equal(("rcu_preempt", "Begin", -1L, 0L, 4L), (b["rcuname"].Text, b["s"].Text, b["cpu"].Value, b["cnt"].Value, b["done"].Value));
        Assert.Equal(ContextBits.Known | ContextBits.BhOff, rows[5].Context);
        var inv = rows[6].Fields;
        Assert.Equal(("rcu_preempt", FieldType.Hex, 0x12345678L, "css_free_rwork_fn"), (inv["rcuname"].Text, inv["rhp"].Type, inv["rhp"].Value, inv["func"].Text));
        Assert.Equal("Start context switch", rows[7].Fields["s"].Text);
        var la = rows[8].Fields;
        Assert.Equal((unchecked((long)0xffff888100a5f0b8UL), 3L, "&mm->mmap_lock"), (la["lockdep_addr"].Value, la["flags"].Value, la["name"].Text));
        Assert.Equal((unchecked((long)0xffff888100a5f0b8UL), "&mm->mmap_lock"), (rows[9].Fields["lockdep_addr"].Value, rows[9].Fields["name"].Text));
        Assert.False(rows[9].Fields.ContainsKey("flags"));
        Assert.Equal((unchecked((long)0xffffc9000173bdc8UL), "SPIN"), (rows[10].Fields["lock_addr"].Value, rows[10].Fields["flags"].Text));
        var sw = rows[11].Fields;
        Assert.Equal(("swapper/0", 0L, "R+", "Web Content", 2711L), (sw["prev_comm"].Text, sw["prev_pid"].Value, sw["prev_state"].Text, sw["next_comm"].Text, sw["next_pid"].Value));
    }

    [Fact]
    public void MultiLinePayloadAndFailedToParse()
    {
        var text = Encoding.UTF8.GetString(IngestTestUtil.FixtureBytes("perfetto_bad_print.systrace"));
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(3, rows.Count);
        Assert.Equal("event: abc xyz =0x34 clk id = 019\nsome = 000, other = 0x4\nxyz = 0x0 abc = 0x0", rows[0].Payload);
        Assert.Equal(2, reader.Info.ContinuationLines);
        Assert.Equal(4, rows[1].Line);
        var m = Single("  surfaceflinger-598   (  598) [004] .... 10852.771242: my_event: a=1\nb=0x2 c=three\n");
        Assert.Equal((1L, 2L, "three"), (m.Fields["a"].Value, m.Fields["b"].Value, m.Fields["c"].Text));
        Assert.Equal("a=1\nb=0x2 c=three", m.Payload);

        var f = Single("     kworker/5:2-1497  [005]   454.414603: thermal_power_cpu_get_power: [FAILED TO PARSE] cpumask=ARRAY[0f, 00, 00, 00, 00, 00, 00, 00] freq=0x82208 load_len=4\n");
        Assert.Equal("thermal_power_cpu_get_power", f.Event);
        Assert.StartsWith("[FAILED TO PARSE] cpumask=ARRAY[0f, 00", f.Payload);
        Assert.Equal("ARRAY[0f, 00, 00, 00, 00, 00, 00, 00]", f.Fields["cpumask"].Text);
        Assert.Equal((FieldType.Hex, 0x82208L), (f.Fields["freq"].Type, f.Fields["freq"].Value));
    }

    [Fact]
    public void GarbageLineAfterAnEventIsAnErrorNotPayload()
    {
        string text = "# tracer: nop\n" +
            "           mkdir-11787   [000] ..... 12300.853363: kmem_cache_alloc: call_site=mem_cgroup_css_alloc+0x57/0x840 ptr=ffff88811e06b480 name=mem_cgroup\n" +
            "garbage ### not a line\n" +
            "          <idle>-0       [001] d.h1. 12300.937552: irq_handler_entry: irq=42 name=virtio3-tx\n" +
            "=> not a frame either\n" +
            "          <idle>-0     [00\n";
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(2, rows.Count);
        Assert.Equal("call_site=mem_cgroup_css_alloc+0x57/0x840 ptr=ffff88811e06b480 name=mem_cgroup", rows[0].Payload);
        Assert.Equal("irq=42 name=virtio3-tx", rows[1].Payload);
        Assert.Equal([3L, 5L, 6L], reader.Errors.Stored.Select(e => e.Line));
        Assert.Equal(0, reader.Info.ContinuationLines);
    }

    [Fact]
    public void CrlfGivesTheSameRowsAndLines()
    {
        string lf = "# tracer: nop\n          <idle>-0       [001] d.h1. 12300.937552: irq_handler_entry: irq=42 name=virtio3-tx\n\n" +
                    "          <idle>-0       [001] d.h1. 12300.937566: irq_handler_exit: irq=42 ret=handled\n";
        var (a, ra) = IngestTestUtil.ReadText(lf);
        var (b, rb) = IngestTestUtil.ReadText(lf.Replace("\n", "\r\n"));
        Assert.Equal(a.Select(r => (r.Line, r.TsNs, r.Comm, r.Event, r.Payload)), b.Select(r => (r.Line, r.TsNs, r.Comm, r.Event, r.Payload)));
        Assert.Equal("handled", b[1].Fields["ret"].Text);
        Assert.Equal(4, b[1].Line);
        Assert.Equal((1, 1), (ra.Info.BlankLines, rb.Info.BlankLines));
    }

    [Fact]
    public void SyscallTracerLines()
    {
        var (rows, _) = IngestTestUtil.ReadText(
            "           <...>-4083  [004] ....   395.705679: sys_ioctl(fd: ff, cmd: 5410, arg: 7ffe0babe8fc)\n" +
            "           xfwm4-3252  [005] ....   395.705681: sys_recvmsg -> 0xfffffffffffffff5\n");
        Assert.Equal("sys_enter_ioctl", rows[0].Event);
        Assert.Equal((FieldType.Hex, 0xffL), (rows[0].Fields["fd"].Type, rows[0].Fields["fd"].Value));
        Assert.Equal(0x7ffe0babe8fcL, rows[0].Fields["arg"].Value);
        Assert.Equal("sys_exit_recvmsg", rows[1].Event);
        Assert.Equal(-11L, rows[1].Fields["ret"].Value);

        // raw_syscalls (tc_trace-android-sched-irq-syscall.txt lines 12-13)
        var (raw, _) = IngestTestUtil.ReadText(
            "   Binder:2030_3-2053  [001] ...1   652.762396: sys_enter: NR 172 (29, c350, 805, ffffffff, 81, a508c6e8)\n" +
            "   Binder:2030_3-2053  [001] ...1   652.762399: sys_exit: NR 172 = 0\n");
        Assert.Equal((172L, "29, c350, 805, ffffffff, 81, a508c6e8"), (raw[0].Fields["id"].Value, raw[0].Fields["args"].Text));
        Assert.Equal((172L, FieldType.Int, 0L), (raw[1].Fields["id"].Value, raw[1].Fields["ret"].Type, raw[1].Fields["ret"].Value));
    }

    [Fact]
    public void SystraceHtmlWrapperIsSkippedAsHeader()
    {
        var (rows, reader) = IngestTestUtil.ReadAll(IngestTestUtil.FixtureBytes("trappy_trace_systrace.html"));
        Assert.Equal(0, reader.Errors.Total);
        Assert.Equal(10, rows.Count);
        Assert.Equal(6, reader.Info.HeaderCpus);
        Assert.Contains(rows, r => r.Event == "sched_switch" && r.Tgid >= 0);
    }

    [Fact]
    public void BadLinesAreReportedWithTheirNumbers()
    {
        var (rows, reader) = IngestTestUtil.ReadText(
            "# tracer: nop\nthis is prose\n          <idle>-0       [001] d.h1. 12300.937552: irq_handler_entry: irq=42 name=x\n" +
            "\n^C\n          <idle>-0       [0x1] d.h1. 12300.937552: irq_handler_entry: irq=42 name=x\n");
        Assert.Single(rows);
        Assert.Equal([2L, 5L, 6L], reader.Errors.Stored.Select(e => e.Line));
        Assert.Equal(14, reader.Errors.Stored[0].ByteOffset);
        Assert.Equal("this is prose", reader.Errors.Stored[0].Excerpt);
    }
}
