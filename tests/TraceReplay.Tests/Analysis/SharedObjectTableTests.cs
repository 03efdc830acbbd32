using TraceReplay.Analysis;
using TraceReplay.Replay.Engine;
using TraceReplay.Tests.Replay;

namespace TraceReplay.Tests.Analysis;

/// <summary>
/// Under the replay the lifetime analysis reads the replay's object table instead of its own: live objects at the end,
/// frees of pointers not live, and object sizes for the held-lock check must come out as if it tracked them itself.
/// Expected values written from the sequence by hand.
/// </summary>
public sealed class SharedObjectTableTests
{
    [Fact]
    public void AliveAtEndAndFreesNotLive_FromTheReplaysTable()
    {
        var set = AnalysisSet.Create();
        var r = new ChunkBuilder()
            .Add(100, 0, 5, "a", ".....", "kmem_cache_alloc", "call_site=f+0x1/0x2", "ptr=0xffff888100000100", "name=filp", "bytes_alloc=192")
            .Add(110, 0, 5, "a", ".....", "kmalloc", "call_site=g+0x1/0x2", "ptr=0xffff888100000200", "bytes_alloc=32")
            .Add(120, 0, 5, "a", ".....", "kmalloc", "call_site=g+0x1/0x2", "ptr=0xffff888100000300", "bytes_alloc=32")
            .Add(130, 0, 5, "a", ".....", "kmem_cache_alloc", "call_site=f+0x1/0x2", "ptr=0xffff888100000400", "bytes_alloc=64")
            .Add(200, 0, 5, "a", ".....", "kfree", "call_site=h+0x1/0x2", "ptr=0xffff888100000200")
            .Add(210, 1, 6, "b", ".....", "kfree", "call_site=h+0x1/0x2", "ptr=0xffff888100000200")
            .Add(220, 1, 6, "b", ".....", "kmem_cache_free", "call_site=h+0x1/0x2", "ptr=0xffff888100000900", "name=filp")
            .Add(230, 1, 6, "b", ".....", "kfree", "call_site=h+0x1/0x2", "ptr=0x0")
            .Replay(options: new ReplayOptions { StartsAtBoot = false }, observers: [set.Pipeline]);

        var alive = r.Rows("anomalies").Where(a => (string?)a["kind"] == "objects_alive_at_end")
            .ToDictionary(a => (string)a["object_key"]!, a => ((string)a["detail"]!, (long?)a["first_ns"]));
        Assert.Equal(2, alive.Count);
        // filp at 0x100; kmalloc groups the kmalloc at 0x300 and the kmem_cache_alloc without a name at 0x400.
        Assert.Equal(("1 objects (192 bytes) allocated in the trace and not freed by its end", 100L), alive["filp"]);
        Assert.Equal(("2 objects (96 bytes) allocated in the trace and not freed by its end", 120L), alive["kmalloc"]);
        // The refree of 0x200 and the free of never-allocated 0x900; ptr=0 is not a free of anything.
        Assert.Equal(2L, r.Summary("object_frees_not_live"));
        Assert.Equal(2, set.Lifetimes.UnknownFrees);
        Assert.True(set.Lifetimes.TryGetObjectSize(0xffff888100000100UL, out long size));
        Assert.Equal(192, size);
        Assert.False(set.Lifetimes.TryGetObjectSize(0xffff888100000200UL, out _));
    }
}
