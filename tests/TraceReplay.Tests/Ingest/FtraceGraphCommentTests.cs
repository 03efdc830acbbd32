using TraceReplay.Core.Events;

namespace TraceReplay.Tests.Ingest;

/// <summary>
/// Tracepoints that fire inside a function_graph trace are printed by print_graph_comment as "/* name: payload */"
/// (the event's own output between "/* " and " */"). No fixture under tests/data holds one (their comments are only
/// "} /* func */" tails), so the lines below follow the 3.x–6.x column layout of the graph fixtures and the shapes of
/// public function_graph captures (irq_handler_entry/exit, sched_switch, trace_printk text beside them); every
/// expected value was typed by reading the line.
/// </summary>
public sealed class FtraceGraphCommentTests
{
    const string Header =
        "# tracer: function_graph\n" +
        "#\n" +
        "# CPU  DURATION                  FUNCTION CALLS\n" +
        "# |     |   |                     |   |   |   |\n";

    static (List<EventRow> Rows, TraceInfo Info) Read(string text)
    {
        var (rows, reader) = IngestTestUtil.ReadText(text);
        Assert.Equal(0, reader.Errors.Total);
        var info = reader.Info;
        Assert.Equal(info.TotalLines, info.Events + reader.Errors.Total + info.HeaderLines + info.BlankLines + info.ContinuationLines);
        return (rows, info);
    }

    [Fact]
    public void CpuAndDurationColumns_TracepointCommentsBecomeTracepointRows()
    {
        var (rows, info) = Read(Header +
            " 0)               |  /* irq_handler_entry: irq=86 name=mmc1 */\n" +
            " 0) + 11.719 us   |  bcm2835_mmc_irq();\n" +
            " 0)               |  /* irq_handler_exit: irq=86 ret=handled */\n" +
            " 2)               |  free_css_id() {\n" +
            " 2)               |          /* lock_acquire: ffff88003f8d5a10 &(&ss->id_lock)->rlock */\n" +
            " 2)               |          /* lock_release: ffff88003f8d5a10 &(&ss->id_lock)->rlock */\n" +
            " 2)   2.345 us    |  } /* free_css_id */\n" +
            " 1)   0.123 us    |  /* softirq_entry: vec=9 [action=RCU] */\n");
        Assert.Equal(8, rows.Count);
        Assert.Equal(8, info.Events);
        Assert.Equal(4, info.HeaderLines);
        Assert.Equal("function_graph", info.Variant);

        var irq = rows[0];
        Assert.Equal(("irq_handler_entry", EventKind.Tracepoint, 0, -1, 0L, 5L), (irq.Event, irq.Kind, irq.Cpu, irq.Pid, irq.TsNs, irq.Line));
        Assert.Equal("irq=86 name=mmc1", irq.Payload);
        Assert.Equal((FieldType.Int, 86L, "86"), irq.Fields["irq"]);
        Assert.Equal((FieldType.Text, 0L, "mmc1"), irq.Fields["name"]);
        Assert.Equal(2, irq.Fields.Count);
        Assert.Equal(ContextBits.None, irq.Context);

        Assert.Equal((EventKind.GraphLeaf, "bcm2835_mmc_irq", 11719L), (rows[1].Kind, rows[1].Fields["func"].Text, rows[1].Fields["duration_ns"].Value));

        Assert.Equal(("irq_handler_exit", EventKind.Tracepoint), (rows[2].Event, rows[2].Kind));
        Assert.Equal((FieldType.Int, 86L, "86"), rows[2].Fields["irq"]);
        Assert.Equal((FieldType.Text, 0L, "handled"), rows[2].Fields["ret"]);

        Assert.Equal(("funcgraph_entry", EventKind.GraphEntry, "free_css_id"), (rows[3].Event, rows[3].Kind, rows[3].Fields["func"].Text));

        var acquire = rows[4];
        Assert.Equal(("lock_acquire", EventKind.Tracepoint, 2, 9L), (acquire.Event, acquire.Kind, acquire.Cpu, acquire.Line));
        Assert.Equal("ffff88003f8d5a10 &(&ss->id_lock)->rlock", acquire.Payload);
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff88003f8d5a10UL), "ffff88003f8d5a10"), acquire.Fields["lockdep_addr"]);
        Assert.Equal((FieldType.Int, 0L), (acquire.Fields["flags"].Type, acquire.Fields["flags"].Value));
        Assert.Equal((FieldType.Text, 0L, "&(&ss->id_lock)->rlock"), acquire.Fields["name"]);

        var release = rows[5];
        Assert.Equal(("lock_release", EventKind.Tracepoint), (release.Event, release.Kind));
        Assert.Equal(unchecked((long)0xffff88003f8d5a10UL), release.Fields["lockdep_addr"].Value);
        Assert.Equal("&(&ss->id_lock)->rlock", release.Fields["name"].Text);
        Assert.False(release.Fields.ContainsKey("flags"));

        // the "} /* func */" tail stays an exit
        Assert.Equal(("funcgraph_exit", EventKind.GraphExit, "free_css_id", 2345L), (rows[6].Event, rows[6].Kind, rows[6].Fields["func"].Text, rows[6].Fields["duration_ns"].Value));

        var softirq = rows[7];
        Assert.Equal(("softirq_entry", EventKind.Tracepoint, 1), (softirq.Event, softirq.Kind, softirq.Cpu));
        Assert.Equal("vec=9 [action=RCU]", softirq.Payload);
        Assert.Equal((FieldType.Int, 9L, "9"), softirq.Fields["vec"]);
        Assert.Equal((FieldType.Text, 0L, "RCU"), softirq.Fields["action"]);
        Assert.False(softirq.Fields.ContainsKey("duration_ns"));
    }

    [Fact]
    public void AbstimeAndProcColumns_GiveTsPidAndComm()
    {
        var (rows, _) = Read(
            "# tracer: function_graph\n" +
            "#\n" +
            "#     TIME        CPU  TASK/PID         DURATION                  FUNCTION CALLS\n" +
            "#      |          |     |    |           |   |                     |   |   |   |\n" +
            "  501.123486 |   0)    <idle>-0    |               |  /* softirq_raise: vec=1 [action=TIMER] */\n" +
            " 12345.678901 |   1)    rcuc/1-20   |               |    /* rcu_invoke_callback: rcu_sched rhp=ffff880036a00040 func=delayed_put_task_struct */\n" +
            " 12345.678950 |   1)   kworke-1217  |               |  /* workqueue_execute_start: work struct ffff88003fc15a08: function css_free_work_fn */\n" +
            " 12345.679000 |   3)     bash-4242  |               |  /* sched_switch: prev_comm=bash prev_pid=4242 prev_prio=120 prev_state=S ==> next_comm=swapper/3 next_pid=0 next_prio=120 */\n");
        Assert.Equal(4, rows.Count);

        var raise = rows[0];
        Assert.Equal(("softirq_raise", EventKind.Tracepoint, 501_123486_000L, 0, 0, "<idle>"),
            (raise.Event, raise.Kind, raise.TsNs, raise.Cpu, raise.Pid, raise.Comm));
        Assert.Equal((FieldType.Int, 1L, "1"), raise.Fields["vec"]);
        Assert.Equal("TIMER", raise.Fields["action"].Text);

        var rcu = rows[1];
        Assert.Equal(("rcu_invoke_callback", EventKind.Tracepoint, 12345_678901_000L, 1, 20, "rcuc/1"),
            (rcu.Event, rcu.Kind, rcu.TsNs, rcu.Cpu, rcu.Pid, rcu.Comm));
        Assert.Equal("rcu_sched rhp=ffff880036a00040 func=delayed_put_task_struct", rcu.Payload);
        Assert.Equal((FieldType.Text, 0L, "rcu_sched"), rcu.Fields["rcuname"]);
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff880036a00040UL), "ffff880036a00040"), rcu.Fields["rhp"]);
        Assert.Equal((FieldType.Text, 0L, "delayed_put_task_struct"), rcu.Fields["func"]);

        var work = rows[2];
        Assert.Equal(("workqueue_execute_start", 1217, "kworke"), (work.Event, work.Pid, work.Comm));
        Assert.Equal((FieldType.Hex, unchecked((long)0xffff88003fc15a08UL)), (work.Fields["work"].Type, work.Fields["work"].Value));
        Assert.Equal((FieldType.Text, 0L, "css_free_work_fn"), work.Fields["function"]);

        var sw = rows[3];
        Assert.Equal(("sched_switch", EventKind.Tracepoint, 3, 4242), (sw.Event, sw.Kind, sw.Cpu, sw.Pid));
        Assert.Equal(("bash", 4242L, "S"), (sw.Fields["prev_comm"].Text, sw.Fields["prev_pid"].Value, sw.Fields["prev_state"].Text));
        Assert.Equal(("swapper/3", 0L, 120L), (sw.Fields["next_comm"].Text, sw.Fields["next_pid"].Value, sw.Fields["next_prio"].Value));
    }

    [Fact]
    public void KprobeInsideTheGraph_IsAKprobeRow()
    {
        var (rows, _) = Read(Header +
            " 1)               |  /* p_kmem_cache_destroy_0: (kmem_cache_destroy+0x0/0x1a0) arg1=0xffff88810a2b3c00 */\n");
        var r = Assert.Single(rows);
        Assert.Equal(("p_kmem_cache_destroy_0", EventKind.Kprobe, 1), (r.Event, r.Kind, r.Cpu));
        Assert.Equal("kmem_cache_destroy", r.Fields["probe_func"].Text);
        Assert.Equal("kmem_cache_destroy+0x0/0x1a0", r.Fields["probe_ip"].Text);
        Assert.Equal(unchecked((long)0xffff88810a2b3c00UL), r.Fields["arg1"].Value);
    }

    [Fact]
    public void FreeTextComments_StayPrintRows()
    {
        var (rows, _) = Read(Header +
            " 0)               |  /* hello world */\n" +
            " 3)               |  /* irq=17, process: irq/17-3f00b880  */\n" +
            " 0)               |  /* [+] irq: [86] handler: mmc_irq+0x0/0x6ec */\n" +
            " 0)               |  /* Mount: done */\n" +
            " 0)               |  /* softirq_entry:vec=9 */\n" +
            " 0)               |  /* lock_acquire: unterminated\n");
        Assert.Equal(6, rows.Count);
        Assert.All(rows, r => Assert.Equal(("print", EventKind.Print), (r.Event, r.Kind)));
        Assert.Equal(["hello world", "irq=17, process: irq/17-3f00b880", "[+] irq: [86] handler: mmc_irq+0x0/0x6ec", "Mount: done",
            "softirq_entry:vec=9", "lock_acquire: unterminated"], rows.Select(r => r.Fields["buf"].Text));
    }

    /// <summary>The comment's payload goes through the same per-event parsing as the ordinary line "name: payload".</summary>
    [Theory]
    [InlineData("lock_acquire: ffff888100a5f0b8 try read &mm->mmap_lock")]
    [InlineData("rcu_barrier: rcu_sched Begin cpu -1 remaining 0 # 0")]
    [InlineData("kmem_cache_free: call_site=ffffffff8113b0e5 ptr=ffff880036a00000")]
    [InlineData("workqueue_queue_work: work struct=ffff88003fc15a08 function=css_free_work_fn workqueue=ffff88003f6a1c00 req_cpu=4096 cpu=1")]
    [InlineData("cgroup_rmdir: root=0 id=5 level=1 path=/synth0")]
    public void GraphCommentFields_EqualTheOrdinaryLinesFields(string body)
    {
        var (graphRows, _) = Read(Header + " 1)               |      /* " + body + " */\n");
        var (plainRows, _) = Read("            bash-4242  [001] ....  1234.000001: " + body + "\n");
        var g = Assert.Single(graphRows);
        var p = Assert.Single(plainRows);
        Assert.Equal((p.Event, p.Kind, p.Payload), (g.Event, g.Kind, g.Payload));
        Assert.Equal(EventKind.Tracepoint, g.Kind);
        Assert.Equal(p.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), g.Fields.OrderBy(f => f.Key, StringComparer.Ordinal));
        Assert.NotEmpty(g.Fields);
    }
}
