using TraceReplay.Synth;

namespace TraceReplay.Tests.Synth;

public class SynthDeterminismTests
{
    [Theory]
    [InlineData("memcg-free", "3.7", SynthStyle.Function)]
    [InlineData("memcg-free", "3.8", SynthStyle.FunctionGraph)]
    [InlineData("cache-destroy", "3.18", SynthStyle.Kprobe)]
    [InlineData("alias-race", "3.19", SynthStyle.Function)]
    public void Same_options_give_identical_bytes_and_another_seed_differs(string scenario, string kernel, SynthStyle style)
    {
        var o = new SynthOptions(scenario, kernel, 4, 42, 1, style, Background: true, WithDmesg: true);
        string a = SynthText.Generate(o, "a.txt");
        string b = SynthText.Generate(o, "b.txt");
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(File.ReadAllBytes(a + ".truth.json"), File.ReadAllBytes(b + ".truth.json"));
        Assert.Equal(File.ReadAllBytes(a + ".dmesg.txt"), File.ReadAllBytes(b + ".dmesg.txt"));

        string c = SynthText.Generate(o with { Seed = 43 }, "c.txt");
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    [Fact]
    public void Header_states_the_entries_the_body_holds()
    {
        string path = SynthText.Generate(new SynthOptions("memcg-free", "3.7", 2, 7, 1, SynthStyle.Kprobe, Background: true), "k.txt");
        var lines = File.ReadAllLines(path);
        Assert.Equal("# tracer: nop", lines[0]);
        int events = lines.Count(l => !l.StartsWith('#'));
        Assert.Equal($"# entries-in-buffer/entries-written: {events}/{events}   #P:2", lines[2]);
    }

    [Fact]
    public void Timestamps_never_go_backwards()
    {
        string path = SynthText.Generate(new SynthOptions("cache-destroy", "3.18", 4, 3, 1, SynthStyle.Function, Background: true), "t.txt");
        string prev = "";
        foreach (var e in SynthText.Events(path))
        {
            string ts = e.Ts.PadLeft(20);
            Assert.True(string.CompareOrdinal(prev, ts) <= 0, $"{prev} then {ts}");
            prev = ts;
        }
    }
}
