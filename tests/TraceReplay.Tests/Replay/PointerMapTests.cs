using System.Runtime.CompilerServices;
using TraceReplay.Replay.Tracking;

namespace TraceReplay.Tests.Replay;

/// <summary>The object table's open-addressing map must behave as a Dictionary (the oracle) through growth and sweeps.</summary>
public sealed class PointerMapTests
{
    [Theory]
    [InlineData(false)] // hashed %p values: random 64-bit keys
    [InlineData(true)]  // raw kernel pointers: 64-byte aligned, same high bits — the keys a weak hash would pile up
    public void AddsFindsAndSweepsLikeADictionary(bool rawPointers)
    {
        var map = new PointerMap<(long Value, bool Live)>();
        var oracle = new Dictionary<ulong, (long Value, bool Live)>();
        var random = new Random(42);
        ulong Key() => rawPointers ? 0xffff888100000000UL + (ulong)random.Next(0, 50_000) * 64 : (ulong)random.NextInt64(1, long.MaxValue);
        for (int step = 0; step < 200_000; step++)
        {
            ulong key = Key();
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    ref var slot = ref map.GetValueRefOrAddDefault(key, out bool exists);
                    Assert.Equal(oracle.ContainsKey(key), exists);
                    if (exists) Assert.Equal(oracle[key], slot);
                    slot = (step, random.Next(3) != 0);
                    oracle[key] = slot;
                    break;
                case 2:
                    ref var found = ref map.GetValueRefOrNullRef(key);
                    Assert.Equal(oracle.TryGetValue(key, out var expected), !Unsafe.IsNullRef(ref found));
                    if (!Unsafe.IsNullRef(ref found)) Assert.Equal(expected, found);
                    break;
                default:
                    if (step % 20_000 == 3)
                    {
                        map.RemoveAll(static v => !v.Live);
                        foreach (var k in oracle.Where(kv => !kv.Value.Live).Select(kv => kv.Key).ToList()) oracle.Remove(k);
                    }
                    break;
            }
            Assert.Equal(oracle.Count, map.Count);
        }
        var all = new Dictionary<ulong, (long, bool)>();
        for (int s = 0; s < map.SlotCount; s++)
            if (map.TryGetAt(s, out ulong k, out var v)) all.Add(k, v);
        Assert.Equal(oracle.OrderBy(kv => kv.Key), all.OrderBy(kv => kv.Key));
        Assert.True(Unsafe.IsNullRef(ref map.GetValueRefOrNullRef(0)));
    }
}
