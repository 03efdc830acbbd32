namespace TraceReplay.Replay.Model;

/// <summary>
/// The replay's slab object table (kmem_cache_alloc/kmalloc → kmem_cache_free/kfree, joined by ptr), offered to the
/// observers that would otherwise track the same pointers again. Observers see a kmem row before the replay applies it,
/// so during their OnEvent the table holds the objects live before the row.
/// </summary>
public interface ILiveObjects
{
    /// <summary>bytes_alloc (0 when absent) of the live object at <paramref name="ptr"/>.</summary>
    bool TryGetLiveSize(ulong ptr, out long bytes);

    /// <summary>Frees (non-zero ptr) of pointers that were not live: allocated before the trace, freed twice, or
    /// reused by an untraced allocation.</summary>
    long FreesNotLive { get; }

    /// <summary>Every live object: the kmem_cache_alloc cache name id (0 for kmalloc or a row without a name),
    /// bytes_alloc and the allocation time. Order unspecified.</summary>
    IEnumerable<(int Cache, long Bytes, long AllocNs)> Live();
}

/// <summary>Optional for an <see cref="IReplayObserver"/>: the replay hands it its <see cref="ILiveObjects"/> after Begin.</summary>
public interface IUsesLiveObjects
{
    void UseLiveObjects(ILiveObjects objects);
}
