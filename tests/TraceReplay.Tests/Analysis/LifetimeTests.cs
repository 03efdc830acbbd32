using TraceReplay.Analysis.Lifetimes;

namespace TraceReplay.Tests.Analysis;

public sealed class LifetimeTests
{
    static readonly At T0 = At.Task(0, 5, "a");
    static readonly At T1 = At.Task(1, 6, "b");

    [Fact]
    public void ObjectFreedTwice_IsOnlyCounted_AsAreFreesOfUnknownObjects()
    {
        var d = new ObserverDriver("6.1");
        d.Tracepoint(10, T0, "kmem_cache_alloc", ObserverDriver.F("ptr", 0xa0UL), ObserverDriver.F("name", "filp"), ObserverDriver.F("bytes_alloc", 256L));
        d.Tracepoint(20, T0, "kmem_cache_free", ObserverDriver.F("ptr", 0xa0UL), ObserverDriver.F("name", "filp"));
        d.Tracepoint(30, T1, "kmem_cache_free", ObserverDriver.F("ptr", 0xa0UL), ObserverDriver.F("name", "filp"));
        d.Tracepoint(40, T1, "kfree", ObserverDriver.F("ptr", 0xb0UL));
        var t = d.End().Table("anomalies");
        // Real traces refree slab pointers reused by untraced bulk/sheaf allocations: counted, never flagged.
        Assert.Empty(t.Where("kind", AnomalyKind.DoubleFree));
        Assert.Equal(2, d.Set.Lifetimes.UnknownFrees); // the refree of 0xa0 and the free of never-seen 0xb0
    }

    [Fact]
    public void ReallocatedPointer_IsANewObject()
    {
        var d = new ObserverDriver("6.1");
        d.Tracepoint(10, T0, "kmalloc", ObserverDriver.F("ptr", 0xa0UL), ObserverDriver.F("bytes_alloc", 64L));
        d.Tracepoint(20, T0, "kfree", ObserverDriver.F("ptr", 0xa0UL));
        d.Tracepoint(30, T0, "kmalloc", ObserverDriver.F("ptr", 0xa0UL), ObserverDriver.F("bytes_alloc", 64L));
        d.Tracepoint(40, T0, "kfree", ObserverDriver.F("ptr", 0xa0UL));
        Assert.Equal(0, d.End().Table("anomalies").RowCount);
    }

    [Fact]
    public void CreateReturningACacheWhoseDestroyIsUnderWay_IsAnAlias()
    {
        var d = new ObserverDriver("3.18");
        d.Kprobe(10, T0, "kmem_cache_create");
        d.Kretprobe(20, T0, "kmem_cache_create", ObserverDriver.F("ret", 0xc0UL));
        d.Kprobe(100, T0, "kmem_cache_destroy", ObserverDriver.F("s", 0xc0UL));
        d.Kprobe(110, T1, "kmem_cache_create");
        d.Kretprobe(120, T1, "kmem_cache_create", ObserverDriver.F("ret", 0xc0UL));   // alias of the doomed cache
        d.Kretprobe(200, T0, "kmem_cache_destroy");
        var t = d.End().Table("anomalies");
        int i = t.Where("kind", AnomalyKind.Alias).Single();
        Assert.Equal("0xc0", t.Str("object_key", i));
        Assert.Equal(120, t.Long("ts_ns", i));
        Assert.Equal(100, t.Long("first_ns", i));
    }

    [Fact]
    public void CreateAfterTheDestroyReturned_IsNotAnAlias()
    {
        var d = new ObserverDriver("3.19");
        d.Kretprobe(20, T0, "kmem_cache_create", ObserverDriver.F("ret", 0xc0UL));
        d.Kprobe(100, T0, "kmem_cache_destroy", ObserverDriver.F("s", 0xc0UL));
        d.Kretprobe(200, T0, "kmem_cache_destroy");
        d.Kretprobe(220, T1, "kmem_cache_create", ObserverDriver.F("ret", 0xc0UL));
        var t = d.End().Table("anomalies");
        Assert.Empty(t.Where("kind", AnomalyKind.Alias));
        Assert.Empty(t.Where("kind", AnomalyKind.DoubleFree));
    }

    [Fact]
    public void Memcg_RmdirWithoutRelease_IsDyingAtEnd_EventAfterRelease_IsUseAfterFree()
    {
        var d = new ObserverDriver("6.18");
        d.Tracepoint(10, T0, "cgroup_mkdir", ObserverDriver.F("root", 4L), ObserverDriver.F("id", 11L), ObserverDriver.F("path", "/a"));
        d.Tracepoint(20, T0, "cgroup_rmdir", ObserverDriver.F("root", 4L), ObserverDriver.F("id", 11L), ObserverDriver.F("path", "/a"));
        d.Tracepoint(30, T0, "cgroup_release", ObserverDriver.F("root", 4L), ObserverDriver.F("id", 11L), ObserverDriver.F("path", "/a"));
        d.Tracepoint(40, T1, "cgroup_rmdir", ObserverDriver.F("root", 4L), ObserverDriver.F("id", 11L), ObserverDriver.F("path", "/a"));
        d.Tracepoint(50, T0, "cgroup_mkdir", ObserverDriver.F("root", 4L), ObserverDriver.F("id", 12L), ObserverDriver.F("path", "/b"));
        d.Tracepoint(60, T0, "cgroup_rmdir", ObserverDriver.F("root", 4L), ObserverDriver.F("id", 12L), ObserverDriver.F("path", "/b"));
        var t = d.End().Table("anomalies");
        int uaf = t.Where("kind", AnomalyKind.UseAfterFree).Single();
        Assert.Equal("4:11", t.Str("object_key", uaf));
        Assert.Equal(30, t.Long("first_ns", uaf));
        int dying = t.Where("kind", AnomalyKind.DyingAtEnd).Single();
        Assert.Equal("4:12", t.Str("object_key", dying));
        Assert.Equal(60, t.Long("first_ns", dying));
    }
}
