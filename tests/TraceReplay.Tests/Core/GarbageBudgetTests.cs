using TraceReplay.Core.Memory;
using Xunit;

namespace TraceReplay.Tests.Core;

public sealed class GarbageBudgetTests
{
    [Fact]
    public void CollectsGen0OnceTheBudgetIsAllocated()
    {
        // Only this direction is asserted: tests running beside this one may collect too, never un-collect.
        int before = GC.CollectionCount(0);

        // Twice the budget: the next check collects gen 0 (the runtime's own gen-0 budget here is hundreds of MB,
        // so without the check no collection would happen).
        Churn(2 * GarbageBudget.BudgetBytes);
        GarbageBudget.Check();
        Assert.True(GC.CollectionCount(0) > before, "no gen-0 collection after twice the budget was allocated");
    }

    static void Churn(long bytes)
    {
        for (long done = 0; done < bytes; done += 1024)
            GC.KeepAlive(new byte[1000]);
    }
}
