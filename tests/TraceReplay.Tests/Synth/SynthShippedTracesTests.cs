using System.CommandLine;
using TraceReplay.Cli.Commands;

namespace TraceReplay.Tests.Synth;

/// <summary>traces/synthetic/ ships generated examples: rerunning the README's exact commands must give the same bytes.</summary>
public class SynthShippedTracesTests
{
    static IEnumerable<string> ReadmeCommands() =>
        File.ReadLines(TestData.Trace("synthetic/README.md")).Where(l => l.StartsWith("tracereplay synth ", StringComparison.Ordinal));

    [Fact]
    public void Readme_lists_a_command_for_every_shipped_trace()
    {
        var commands = ReadmeCommands().ToList();
        Assert.Equal(6, commands.Count);
        var shipped = Directory.GetFiles(TestData.Trace("synthetic"), "*.txt")
            .Select(p => Path.GetFileName(p))
            .Where(n => !n.Contains(".truth") && !n.Contains(".dmesg"))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        var named = commands.Select(c => Path.GetFileName(c.Split(' ')[^1])).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(shipped, named);
    }

    [Fact]
    public void Regenerating_with_the_readme_commands_reproduces_every_shipped_file()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracereplay-synth-shipped", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (string command in ReadmeCommands())
        {
            var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
            string shipped = TestData.Trace("synthetic/" + Path.GetFileName(args[^1]));
            string fresh = Path.Combine(dir, Path.GetFileName(args[^1]));
            args[^1] = fresh;
            var root = new RootCommand { SynthCommand.Create() };
            Assert.Equal(0, root.Parse(args).Invoke());
            foreach (string suffix in new[] { "", ".truth.json", ".dmesg.txt" })
            {
                Assert.Equal(File.Exists(shipped + suffix), File.Exists(fresh + suffix));
                if (File.Exists(shipped + suffix))
                    Assert.True(File.ReadAllBytes(shipped + suffix).AsSpan().SequenceEqual(File.ReadAllBytes(fresh + suffix)), $"{command}: {suffix} differs");
            }
        }
    }

    [Fact]
    public void Shipped_seed_pairs_show_the_seed_expectations_in_their_truth()
    {
        int Count(string file, string array) => SynthText.Truth(TestData.Trace("synthetic/" + file)).GetProperty(array).GetArrayLength();
        Assert.True(Count("memcg-free-3.7.txt", "unsafe_frees") > 0);
        Assert.Equal(0, Count("memcg-free-3.8.txt", "unsafe_frees"));
        Assert.True(Count("alias-race-3.18.txt", "aliases") > 0);
        Assert.Equal(0, Count("alias-race-3.19.txt", "aliases"));
        foreach (var op in SynthText.Truth(TestData.Trace("synthetic/cache-destroy-3.18.txt")).GetProperty("destroy_ops").EnumerateArray())
            Assert.Equal(op.GetProperty("rcu_caches").GetInt32(), op.GetProperty("barrier_count").GetInt32());
        foreach (var op in SynthText.Truth(TestData.Trace("synthetic/cache-destroy-3.19.txt")).GetProperty("destroy_ops").EnumerateArray())
            Assert.True(op.GetProperty("barrier_count").GetInt32() <= 1);
        Assert.Contains("inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.", File.ReadAllText(TestData.Trace("synthetic/memcg-free-3.7.txt.dmesg.txt")));
    }
}
