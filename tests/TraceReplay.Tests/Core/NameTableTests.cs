using TraceReplay.Core.Interning;

namespace TraceReplay.Tests.Core;

public class NameTableTests
{
    [Fact]
    public void Intern_same_bytes_twice_returns_same_id_and_empty_is_zero()
    {
        var names = new NameTable();
        int a = names.Intern("kworker/0:1"u8);
        int b = names.Intern("kworker/0:1"u8);
        int c = names.Intern("kworker/1:1"u8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(0, names.Intern(ReadOnlySpan<byte>.Empty));
        Assert.Equal("kworker/1:1", names[c]);
        Assert.True(names.TryGetId("kworker/0:1", out int d));
        Assert.Equal(a, d);
        Assert.False(names.TryGetId("nope", out _));
    }
}
