using System.Text;
using TraceReplay.Core.Interning;
using TraceReplay.Replay.Model;

namespace TraceReplay.Tests.Replay;

/// <summary>The replay's NameCache must hand out exactly the NameTable's ids, whatever the slot collisions.</summary>
public sealed class NameCacheTests
{
    [Fact]
    public void IdsAreTheNameTablesForShortLongAndLookAlikeNames()
    {
        var names = new NameTable();
        var cache = new NameCache(names);
        // 1..40 bytes; same length with the same first and last 8 bytes (only the middle differs); prefixes of each other.
        var words = new List<string> { "a", "ab", "abc", "abcd", "kmalloc-64", "kmalloc-96", "kmalloc-rcl-64", "task_struct",
            "ext4_inode_cache", "ext4_inode_cachf", "abcdefgh_X_ijklmnop", "abcdefgh_Y_ijklmnop", "css_free_rwork_fn",
            "mem_cgroup_css_offline", new string('x', 40), new string('x', 39) };
        for (int i = 0; i < 3000; i++) words.Add("name" + i); // more names than slots: evictions
        for (int round = 0; round < 3; round++)
            foreach (var w in round == 1 ? Enumerable.Reverse(words) : words)
                Assert.Equal(names.Intern(w), cache.Id(Encoding.UTF8.GetBytes(w)));
        Assert.Equal(0, cache.Id(ReadOnlySpan<byte>.Empty));
        Assert.Equal("abcdefgh_Y_ijklmnop", names[cache.Id("abcdefgh_Y_ijklmnop"u8)]);
    }
}
