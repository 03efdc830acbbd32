namespace TraceReplay.Core.Memory;

/// <summary>
/// Caps the dead memory a streaming run carries, so peak RSS follows the live state and not the trace length.
/// The runtime sizes its gen-0 budget from the L3 cache (300 MiB on the CI VM): without this a long trace keeps up
/// to that much garbage before its first collection. DOTNET_GCgen0size would cap it, but the runtime reads that only
/// from the environment, not from runtimeconfig. A gen-0 collection of mostly dead chunks costs about a millisecond.
/// </summary>
public static class GarbageBudget
{
    /// <summary>Allocation between two collections; a 1 GB text trace allocates ~40 MB in the replay.</summary>
    public const long BudgetBytes = 4 << 20;

    static long s_collectedAt;

    /// <summary>Collects gen 0 once the process (any thread) has allocated the budget since the last collection.
    /// Cheap enough to call once per chunk.</summary>
    public static void Check()
    {
        long allocated = GC.GetTotalAllocatedBytes();
        long last = Volatile.Read(ref s_collectedAt);
        if (allocated - last < BudgetBytes || Interlocked.CompareExchange(ref s_collectedAt, allocated, last) != last)
            return;
        GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: false);
    }
}
