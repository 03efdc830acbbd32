using TraceReplay.Core.Events;
using TraceReplay.Replay.Engine;

namespace TraceReplay.Tests.Replay;

/// <summary>Object, kmem-cache, task and old-kernel memcg lifetimes on hand-built sequences (expected rows by hand).</summary>
public sealed class LifetimeTrackingTests
{
    [Fact]
    public void ObjectsDoubleFreeAndUnknownFrees()
    {
        ChunkBuilder Build() => new ChunkBuilder()
            .Add(100, 0, 5, "a", ".....", "kmem_cache_alloc", "call_site=f+0x1/0x2", "ptr=0xffff888100000100", "name=filp", "bytes_req=184", "bytes_alloc=192")
            .Add(110, 0, 5, "a", ".....", "kmalloc", "call_site=g+0x1/0x2", "ptr=0xffff888100000200", "bytes_req=20", "bytes_alloc=32")
            .Add(120, 0, 5, "a", ".....", "kmalloc", "call_site=g+0x1/0x2", "ptr=0xffff888100000300", "bytes_req=20", "bytes_alloc=32")
            .Add(200, 0, 5, "a", ".....", "kfree", "call_site=h+0x1/0x2", "ptr=0xffff888100000200")
            .Add(300, 1, 0, "<idle>", "..s1.", "softirq_entry", "vec=9")
            .Add(310, 1, 0, "<idle>", "..s1.", "kfree", "call_site=h+0x1/0x2", "ptr=0xffff888100000200")
            .Add(320, 1, 0, "<idle>", "..s1.", "kmem_cache_free", "call_site=h+0x1/0x2", "ptr=0xffff888100000900", "name=filp")
            .Add(330, 1, 0, "<idle>", "..s1.", "kfree", "call_site=h+0x1/0x2", "ptr=0x0")
            .Add(340, 1, 0, "<idle>", "..s1.", "softirq_exit", "vec=9");

        var r = Build().Replay(options: new ReplayOptions { StartsAtBoot = false });
        Assert.Equal(1L, r.Summary("double_frees"));
        Assert.Equal(1L, r.Summary("unknown_frees"));
        var df = Assert.Single(r.Rows("lifetimes"), x => (string)x["kind"]! == "object");
        Assert.Equal("0xffff888100000200 kmalloc-32", df["key"]);
        Assert.Equal((110L, 200L, 310L), ((long)df["created_ns"]!, (long)df["released_ns"]!, (long)df["freed_ns"]!));
        Assert.Equal(("rcu-callback", 1, "double-free"), ((string)df["free_context"]!, (int)df["free_cpu"]!, (string)df["status"]!));

        var stats = r.Rows("cache_stats").ToDictionary(x => (string)x["cache"]!);
        Assert.Equal(new[] { "filp", "kmalloc-32" }, stats.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((1L, 1L, 1L, 192L), ((long)stats["filp"]["allocs"]!, (long)stats["filp"]["frees"]!, (long)stats["filp"]["live_objects"]!, (long)stats["filp"]["live_bytes"]!));
        Assert.Equal((2L, 2L, 1L, 32L), ((long)stats["kmalloc-32"]["allocs"]!, (long)stats["kmalloc-32"]["frees"]!, (long)stats["kmalloc-32"]["live_objects"]!, (long)stats["kmalloc-32"]["live_bytes"]!));

        // a trace that began at boot flags the free of a never-allocated pointer
        var boot = Build().Replay(options: new ReplayOptions { StartsAtBoot = true });
        var unknown = Assert.Single(boot.Rows("lifetimes"), x => (string?)x["status"] == "free-of-unknown");
        Assert.Equal("0xffff888100000900 filp", unknown["key"]);
        Assert.Equal(320L, unknown["freed_ns"]);
    }

    [Fact]
    public void KmemCacheLifetimeFromKprobesAndFunctionRows()
    {
        var r = new ChunkBuilder()
            .Add(EventKind.Kprobe, 100, 0, 7, "insmod", ".....", "p_kmem_cache_create_0", "probe_func=kmem_cache_create", "probe_ip=kmem_cache_create+0x0/0x1a0", "name=\"foo_cache\"")
            .Add(200, 0, 7, "insmod", ".....", "kmem_cache_alloc", "call_site=f+0x1/0x2", "ptr=0xffff888100000100", "name=foo_cache", "bytes_req=100", "bytes_alloc=128")
            .Add(210, 0, 7, "insmod", ".....", "kmem_cache_alloc", "call_site=f+0x1/0x2", "ptr=0xffff888100000180", "name=foo_cache", "bytes_req=100", "bytes_alloc=128")
            .Add(220, 0, 7, "insmod", ".....", "kmem_cache_free", "call_site=f+0x1/0x2", "ptr=0xffff888100000100", "name=foo_cache")
            .Add(EventKind.Kprobe, 300, 0, 8, "rmmod", ".....", "p_kmem_cache_destroy_0", "probe_func=kmem_cache_destroy", "probe_ip=kmem_cache_destroy+0x0/0x1a0", "arg1=0xffff888100abc000")
            .Add(EventKind.Function, 310, 0, 8, "rmmod", ".....", "function", "ip=slab_kmem_cache_release", "parent_ip=kmem_cache_destroy")
            .Replay();
        var lt = Assert.Single(r.Rows("lifetimes"), x => (string)x["kind"]! == "kmem_cache");
        Assert.Equal("foo_cache", lt["key"]);
        Assert.Equal((100L, 300L, 310L, 310L), ((long)lt["created_ns"]!, (long)lt["offlined_ns"]!, (long)lt["released_ns"]!, (long)lt["freed_ns"]!));
        Assert.Equal(("task", "rmmod", "slab_kmem_cache_release", "freed"), ((string)lt["free_context"]!, (string)lt["free_comm"]!, (string)lt["free_function"]!, (string)lt["status"]!));
        var st = Assert.Single(r.Rows("cache_stats"));
        Assert.Equal(("foo_cache", 2L, 1L, 1L, 128L, 100L, 300L), ((string)st["cache"]!, (long)st["allocs"]!, (long)st["frees"]!, (long)st["live_objects"]!, (long)st["live_bytes"]!, (long)st["created_ns"]!, (long)st["destroyed_ns"]!));
    }

    [Fact]
    public void ThreeSixMemcgFreedSynchronouslyInAnRcuCallbackIsRecordedThere()
    {
        // 3.6 seed bug: the last mem_cgroup_put() runs __mem_cgroup_free() from the task-freeing RCU callback.
        var info = new TraceInfo("3.6", "3.6") { Format = TraceFormat.FtraceText, Variant = "tracefs", FlagsWidth = 4, Kernel = "3.6.5" };
        var r = new ChunkBuilder()
            .Add(EventKind.Function, 100, 0, 20, "mkdir", "....", "function", "ip=mem_cgroup_create", "parent_ip=cgroup_create")
            .Add(EventKind.Function, 200, 0, 21, "rmdir", "....", "function", "ip=mem_cgroup_pre_destroy", "parent_ip=cgroup_rmdir")
            .Add(EventKind.Function, 300, 0, 21, "rmdir", "....", "function", "ip=mem_cgroup_destroy", "parent_ip=cgroup_diput")
            .Add(400, 1, 0, "<idle>", "..s.", "softirq_entry", "vec=9")
            .Add(EventKind.Function, 410, 1, 0, "<idle>", "..s.", "function", "ip=__mem_cgroup_free", "parent_ip=mem_cgroup_put")
            .Add(420, 1, 0, "<idle>", "..s.", "softirq_exit", "vec=9")
            .Replay(info);
        var m = Assert.Single(r.Rows("lifetimes"), x => (string)x["kind"]! == "memcg");
        Assert.Equal("memcg#1", m["key"]);
        Assert.Equal((100L, 200L, 410L), ((long)m["created_ns"]!, (long)m["offlined_ns"]!, (long)m["freed_ns"]!));
        Assert.Equal((1, "rcu-callback", "<idle>", "__mem_cgroup_free", "freed"),
            ((int)m["free_cpu"]!, (string)m["free_context"]!, (string)m["free_comm"]!, (string)m["free_function"]!, (string)m["status"]!));
        var stages = r.Rows("lifetime_stages").Select(x => (string)x["stage"]!).ToList();
        Assert.Equal(new[] { "alloc", "offline", "css_free", "mem_cgroup_free" }, stages);
    }

    [Fact]
    public void TaskForkExitFreeAndPidReuse()
    {
        var r = new ChunkBuilder()
            .Add(100, 0, 10, "sh", ".....", "sched_process_fork", "comm=sh", "pid=10", "child_comm=sh", "child_pid=11")
            .Add(200, 1, 11, "true", ".....", "sched_process_exit", "comm=true", "pid=11", "prio=120")
            .Add(300, 0, 10, "sh", ".....", "sched_process_fork", "comm=sh", "pid=10", "child_comm=sh", "child_pid=12")
            .Add(400, 1, 0, "<idle>", "..s1.", "softirq_entry", "vec=9")
            .Add(410, 1, 0, "<idle>", "..s1.", "sched_process_free", "comm=true", "pid=11", "prio=120")
            .Add(420, 1, 0, "<idle>", "..s1.", "softirq_exit", "vec=9")
            .Replay();
        var tasks = r.Rows("lifetimes").Where(x => (string)x["kind"]! == "task")
            .Select(x => ((string)x["key"]!, (long?)x["created_ns"], (long?)x["offlined_ns"], (long?)x["freed_ns"], (string?)x["free_context"], (string)x["status"]!)).ToList();
        Assert.Equal(new[]
        {
            ("11 sh", (long?)100L, (long?)200L, (long?)410L, (string?)"rcu-callback", "freed"),
            ("12 sh", 300L, null, null, null, "alive"),
        }, tasks);
        Assert.Equal(1L, r.Summary("task_freed"));
        Assert.Equal(1L, r.Summary("task_alive"));
    }

    [Fact]
    public void MemcgLinkedByOrderWhenPointersAreHashed()
    {
        // Two rmdirs, kills queued in rmdir order with hashed pointers: the ordered fallback pairs them.
        string K(int i) => "0x" + (0x1000 + i).ToString("x");
        var b = new ChunkBuilder()
            .Add(100, 0, 30, "mkdir", "d..1.", "cgroup_mkdir", "root=4", "id=1", "level=1", "path=/a")
            .Add(110, 0, 31, "mkdir", "d..1.", "cgroup_mkdir", "root=4", "id=2", "level=1", "path=/b")
            .Add(200, 0, 32, "rmdir", "d..1.", "cgroup_rmdir", "root=4", "id=1", "level=1", "path=/a")
            .Add(210, 0, 33, "rmdir", "d..1.", "cgroup_rmdir", "root=4", "id=2", "level=1", "path=/b")
            .Add(300, 0, 0, "<idle>", "d.s2.", "workqueue_queue_work", "work=" + K(1), "function=css_killed_work_fn", "workqueue=cgroup_offline")
            .Add(310, 0, 0, "<idle>", "d.s2.", "workqueue_queue_work", "work=" + K(2), "function=css_killed_work_fn", "workqueue=cgroup_offline");
        long t = 400;
        foreach (int i in new[] { 1, 2 })
        {
            b.Add(t, 0, 40, "kworker/0:1", ".....", "workqueue_execute_start", "work=" + K(i), "function=css_killed_work_fn")
             .Add(t + 1, 0, 40, "kworker/0:1", "d..1.", "workqueue_queue_work", "work=" + K(i), "function=css_release_work_fn", "workqueue=cgroup_release")
             .Add(t + 2, 0, 40, "kworker/0:1", ".....", "workqueue_execute_end", "work=" + K(i), "function=css_killed_work_fn")
             .Add(t + 3, 0, 40, "kworker/0:1", ".....", "workqueue_execute_start", "work=" + K(i), "function=css_release_work_fn")
             .Add(t + 4, 0, 40, "kworker/0:1", ".....", "workqueue_execute_end", "work=" + K(i), "function=css_release_work_fn");
            t += 10;
        }
        foreach (int i in new[] { 1, 2 })
        {
            b.Add(t, 0, 0, "<idle>", "d.s2.", "workqueue_queue_work", "work=" + K(10 + i), "function=css_free_rwork_fn", "workqueue=cgroup_free")
             .Add(t + 1, 0, 40, "kworker/0:1", ".....", "workqueue_execute_start", "work=" + K(10 + i), "function=css_free_rwork_fn")
             .Add(t + 2, 0, 40, "kworker/0:1", ".....", "kfree", "call_site=obj_cgroup_release+0x84/0x1a0", "ptr=" + K(50 + i))
             .Add(t + 3, 0, 40, "kworker/0:1", ".....", "workqueue_execute_end", "work=" + K(10 + i), "function=css_free_rwork_fn");
            t += 10;
        }
        var r = b.Replay(options: new ReplayOptions { StartsAtBoot = false });
        var memcg = r.Rows("lifetimes").Where(x => (string)x["kind"]! == "memcg")
            .Select(x => ((string)x["key"]!, (long)x["created_ns"]!, (long)x["offlined_ns"]!, (long)x["released_ns"]!, (long)x["freed_ns"]!, (string)x["status"]!)).ToList();
        Assert.Equal(new[]
        {
            ("4:1:/a", 100L, 400L, 403L, 421L, "freed"),
            ("4:2:/b", 110L, 410L, 413L, 431L, "freed"),
        }, memcg);
        Assert.Equal(4L, r.Summary("lifetime_fifo_links"));
    }
}
