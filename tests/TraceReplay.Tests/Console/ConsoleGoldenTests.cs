using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>Field-by-field expectations typed from reading the corpus files (line numbers refer to the file body).</summary>
public sealed class ConsoleGoldenTests
{
    static LockdepReport First(string name) => CorpusFile.Load(TestData.Path("lockdep/" + name)).Parse().Reports[0];

    [Fact]
    public void Inconsistent_lock_state_in_an_arm32_rcu_callback_553()
    {
        var r = First("syzkaller-report-553.txt");
        Assert.Equal(LockdepKind.InconsistentLockState, r.Kind);
        Assert.Equal("5.10.2", r.Kernel);
        Assert.Equal(("swapper/0", 0), (r.Task, r.Pid!.Value));
        Assert.Equal((0, 1, 1, 0), (r.HardirqContext!.Value, r.SoftirqContext!.Value, r.HardirqsEnabled!.Value, r.SoftirqsEnabled!.Value));
        Assert.Equal(("SOFTIRQ-ON-W", "IN-SOFTIRQ-W"), (r.UsageFrom, r.UsageTo));
        Assert.Equal("C0", r.Caller);
        var takes = Assert.Single(r.Locks);
        Assert.Equal(new LockRef("takes", "&file_data->lock", "+.?.", "3:3", 0x8f5cc25cUL, "io_file_data_ref_zero"), takes);
        Assert.Equal("&file_data->lock", r.LockClass);
        Assert.Equal(
            [new HeldLock("swapper/0", 0, 0, "rcu_callback", 0x812239d8UL, "rcu_core"),
             new HeldLock("swapper/0", 0, 1, "rcu_read_lock", 0x81223780UL, "percpu_ref_put_many.constprop.0")],
            r.HeldLocks);
        // "{SOFTIRQ-ON-W} state was registered at:" then 5 frames and a bare address (not a frame)
        Assert.Equal(["lock_acquire.part.0", "lock_acquire", "_raw_spin_lock", "sys_io_uring_register", "ret_fast_syscall"],
            r.Frames.Where(f => f.Section == "registered").Select(f => f.Function));
        var firstRegistered = r.Frames.First(f => f.Section == "registered");
        Assert.Equal((0xc4L, 0x4b4L), (firstRegistered.Offset!.Value, firstRegistered.Size!.Value));
        // arm32 "Backtrace:" lines "(A) from (B+off/size)": A in order, A's offset taken from the line above
        var stack = r.Frames.Where(f => f.Section == "stack").ToList();
        Assert.Equal(["dump_backtrace", "show_stack", "dump_stack", "print_usage_bug.part.0"], stack.Take(4).Select(f => f.Function));
        Assert.Equal((0x28L, 0x2cL), (stack[1].Offset!.Value, stack[1].Size!.Value));
        Assert.Contains(stack, f => f.Function == "rcu_core" && f.Offset == 0x2b4);
        Assert.Equal("start_kernel", stack[^1].Function);
        Assert.False(r.Corrupted);
    }

    [Fact]
    public void Circular_dependency_chain_with_hashed_pcs_188()
    {
        var r = First("syzkaller-report-188.txt");
        Assert.Equal("possible deadlock in rtnl_lock", r.Title);
        Assert.Equal(("syz-executor0", 4217), (r.Task, r.Pid!.Value));
        Assert.Equal("4.15.0+", r.Kernel);
        Assert.Equal(
            [("acquire", "rtnl_mutex", "+.+.", "rtnl_lock"), ("held", "&xt[i].mutex", "+.+.", "xt_find_table_lock"),
             ("chain#2", "&xt[i].mutex", "+.+.", null), ("chain#1", "sk_lock-AF_INET6", "+.+.", null), ("chain#0", "rtnl_mutex", "+.+.", null)],
            r.Locks.Select(l => (l.Role, l.Class, l.Usage, l.AtFunction)));
        Assert.All(r.Locks, l => Assert.Null(l.Address));
        Assert.Equal("__mutex_lock", r.Frames.First(f => f.Section == "chain#2").Function);
        Assert.Equal(["lock_acquire", "__mutex_lock", "mutex_lock_nested", "rtnl_lock"],
            r.Frames.Where(f => f.Section == "chain#0").Take(4).Select(f => f.Function));
        var stack = r.Frames.Where(f => f.Section == "stack").ToList();
        Assert.Equal("dump_stack", stack[0].Function);
        Assert.True(stack[1].Unreliable); // " ? arch_local_irq_restore+0x53/0x53"
        Assert.Equal("arch_local_irq_restore", stack[1].Function);
        Assert.Contains("rtnl_mutex", r.LockClasses());
        Assert.Contains("rtnl_lock", r.Functions("chain#0"));
    }

    [Fact]
    public void Six_char_usage_and_symbolized_sites_of_a_truncated_4_12_report_28()
    {
        var r = First("syzkaller-report-28.txt");
        Assert.Equal("possible deadlock in tty_buffer_flush", r.Title);
        Assert.Equal(("kworker/u4:2", 54), (r.Task, r.Pid!.Value));
        Assert.Equal("4.12.0-rc2-next-20170525+", r.Kernel);
        Assert.Equal(new LockRef("acquire", "&buf->lock", "+.+...", null, null, "tty_buffer_flush"), r.Locks[0]);
        Assert.Equal(new LockRef("held", "&o_tty->termios_rwsem/1", "++++..", null, null, "isig"), r.Locks[1]);
        Assert.True(r.Corrupted); // no stack trace: the report is cut after "which lock already depends on the new lock."
    }

    [Fact]
    public void Wait_types_and_class_names_with_parentheses_747()
    {
        var r = First("syzkaller-report-747.txt");
        Assert.Equal("possible deadlock in fakeName", r.Title);
        Assert.Equal("T24950", r.Caller);
        Assert.Equal(new LockRef("acquire", "&q->elevator_lock", "+.+.", "4:4", 0xffff888106a71958UL, "_Z8fakeNameiii"), r.Locks[0]);
        Assert.Equal(new LockRef("held", "&q->q_usage_counter(io)#55", "++++", "0:0", 0xffff888106a71428UL, "nbd_start_device"), r.Locks[1]);
        Assert.Equal(("chain#2", "&q->q_usage_counter(io)#55"), (r.Locks[2].Role, r.Locks[2].Class));
        Assert.Equal(6, r.HeldLocks.Count);
        Assert.Equal(new HeldLock("syz.5.7376", 24950, 5, "&q->q_usage_counter(queue)#7", 0xffff888106a71460UL, "nbd_start_device"), r.HeldLocks[5]);
        var stack = r.Frames.Where(f => f.Section == "stack").ToList();
        Assert.Equal(("dump_stack_lvl", "TASK"), (stack[0].Function, stack[0].ContextMarker));
    }

    [Fact]
    public void Hardirq_safe_to_unsafe_with_read_usage_and_class_dumps_557()
    {
        var r = First("syzkaller-report-557.txt");
        Assert.Equal("possible deadlock in input_event", r.Title);
        Assert.Equal(("HARDIRQ-safe", "HARDIRQ-unsafe"), (r.UsageFrom, r.UsageTo));
        Assert.Equal((0, 0, 0, 1), (r.HardirqContext!.Value, r.SoftirqContext!.Value, r.HardirqsEnabled!.Value, r.SoftirqsEnabled!.Value));
        Assert.Equal(new LockRef("acquire", "&new->fa_lock", ".?.+", "2:2", 0xffff8880120b9168UL, "kill_fasync"), r.Locks[0]);
        Assert.Equal(new LockRef("held", "&client->buffer_lock", "....", "2:2", 0xffff88806a4a6028UL, "evdev_pass_values.part.0"), r.Locks[1]);
        Assert.Equal(new LockRef("safe", "&dev->event_lock", "-.-.", "2:2", null, null), r.Locks[2]);
        Assert.Equal(("unsafe", "&new->fa_lock"), (r.Locks[3].Role, r.Locks[3].Class));
        Assert.Equal(["lock_acquire", "_raw_spin_lock_irqsave", "input_event"], r.Frames.Where(f => f.Section == "safe_at").Take(3).Select(f => f.Function));
        Assert.Equal("lock_acquire", r.Frames.First(f => f.Section == "unsafe_at").Function);
        Assert.Equal(["lock_acquire", "_raw_read_lock"], r.Frames.Where(f => f.Section == "usage:IN-HARDIRQ-R").Take(2).Select(f => f.Function));
        Assert.Equal("dump_stack", r.Frames.First(f => f.Section == "stack").Function);
    }

    [Fact]
    public void Class_names_with_commas_spaces_and_nested_parentheses_561()
    {
        var r = First("syzkaller-report-561.txt");
        Assert.Equal("possible deadlock in cgroup_rstat_updated", r.Title);
        Assert.Equal(("kworker/0:4", 5097), (r.Task, r.Pid!.Value));
        Assert.Equal(new LockRef("acquire", "&syncp->seq#2", "+.+.", "0:0", 0xff76a014UL, "cgroup_rstat_flush_locked"), r.Locks[0]);
        Assert.Equal(new LockRef("held", "per_cpu_ptr(&cgroup_rstat_cpu_lock, cpu)", "-...", "2:2", 0xde5c895cUL, "cgroup_rstat_flush_locked"), r.Locks[1]);
        Assert.Equal(("safe", "per_cpu_ptr(&cgroup_rstat_cpu_lock, cpu)"), (r.Locks[2].Role, r.Locks[2].Class));
        Assert.Contains(r.HeldLocks, h => h.Index == 4 && h.Class == "per_cpu_ptr(&cgroup_rstat_cpu_lock, cpu)" && h.Address == 0xde5c895cUL);
        Assert.Contains(r.Frames, f => f.Section == "stack" && f.Function == "css_release_work_fn");
    }

    [Theory]
    [InlineData(" (&(&ss->id_lock)->rlock){+.?...}, at: [<ffffffff810a5a1d>] free_css_id+0x2d/0x80", "&(&ss->id_lock)->rlock", "+.?...", null, null, "free_css_id")]
    [InlineData("0000000097f06d5d (rtnl_mutex){+.+.}, at: rtnl_lock+0x17/0x20", "rtnl_mutex", "+.+.", null, 0x97f06d5dUL, "rtnl_lock")]
    [InlineData("ffff88803d3d5d28 ((wq_completion)wg-kex-wireguard1){+.+.}, at: flush_workqueue+0xe6/0x1520", "(wq_completion)wg-kex-wireguard1", "+.+.", null, 0xffff88803d3d5d28UL, "flush_workqueue")]
    [InlineData("ffffffff96063cd0 (cpu_hotplug_lock){++++}-{0:0}, at: static_key_enable+0x9/0x20", "cpu_hotplug_lock", "++++", "0:0", 0xffffffff96063cd0UL, "static_key_enable")]
    [InlineData("ffff8880 ((work_completion)(&hub->events)){+.+.}-{0:0}, at: process_one_work+0x1/0x2", "(work_completion)(&hub->events)", "+.+.", "0:0", 0xffff8880UL, "process_one_work")]
    [InlineData("812239d8 (rcu_callback){....}-{0:0}, at: rcu_core+0x314/0xa74", "rcu_callback", "....", "0:0", 0x812239d8UL, "rcu_core")]
    public void Lock_lines_of_every_era_split_into_their_parts(string line, string cls, string usage, string? wait, ulong? address, string at)
    {
        Assert.True(LockdepSyntax.TryParseLockLine(line, out var p));
        Assert.Equal(new ParsedLock(cls, usage, wait, address, at), p);
    }
}
