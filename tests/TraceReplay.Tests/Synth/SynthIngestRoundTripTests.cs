using System.Text.RegularExpressions;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Ingest;
using TraceReplay.Synth;

namespace TraceReplay.Tests.Synth;

/// <summary>Synthetic traces go through the same text ingest as real ones: zero ingest errors, every line accounted for.</summary>
public partial class SynthIngestRoundTripTests
{
    [Theory]
    [InlineData("memcg-free", "3.7", SynthStyle.Function)]
    [InlineData("memcg-free", "3.7", SynthStyle.FunctionGraph)]
    [InlineData("memcg-free", "3.8", SynthStyle.Kprobe)]
    [InlineData("cache-destroy", "3.18", SynthStyle.Kprobe)]
    [InlineData("cache-destroy", "3.19", SynthStyle.FunctionGraph)]
    [InlineData("alias-race", "3.18", SynthStyle.Function)]
    [InlineData("alias-race", "3.19", SynthStyle.Kprobe)]
    public void Ingest_reads_every_event_without_errors(string scenario, string kernel, SynthStyle style)
    {
        string path = SynthText.Generate(new SynthOptions(scenario, kernel, 4, 21, 1, style, Background: true), "rt.txt");
        using var reader = TraceOpener.Open(path, "rt");
        var chunk = new EventChunk();
        long rows = 0;
        var names = new HashSet<string>();
        var tracepoints = new Dictionary<string, int>();
        long printRows = 0;
        while (reader.Read(chunk))
        {
            rows += chunk.Count;
            for (int i = 0; i < chunk.Count; i++)
            {
                string name = reader.Names[chunk.Event[i]];
                names.Add(name);
                if (chunk.Kind[i] == EventKind.Tracepoint) tracepoints[name] = tracepoints.GetValueOrDefault(name) + 1;
                if (chunk.Kind[i] == EventKind.Print) printRows++;
            }
        }
        Assert.Equal(0, reader.Errors.Total);
        var truth = SynthText.Truth(path);
        long entries = truth.GetProperty("trace_entries").GetInt64();
        if (style == SynthStyle.FunctionGraph)
        {
            // One row per printed line: "f() {", "}", leaf "f();", "/* event */" and the "a-1 => b-2" switch line
            // (leaves fold entry+exit, so rows < entries + switches); the dashed frame and blank lines are not rows.
            long lines = File.ReadLines(path).Count(l => l.Length > 0 && l[0] != '#' && !l.StartsWith(" ---"));
            Assert.Equal(lines, rows);
        }
        else
            Assert.Equal(entries, rows);
        Assert.Equal(4, reader.Info.Cpus);
        if (style == SynthStyle.FunctionGraph)
        {
            // function_graph prints tracepoints as "/* name: payload */" comments: each must come back as a tracepoint
            // row of that name (counted here from the text itself), none as a print row.
            var commented = File.ReadLines(path).Select(l => CommentedEvent().Match(l)).Where(m => m.Success)
                .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());
            Assert.Contains("funcgraph_entry", names);
            Assert.Equal(0, printRows);
            Assert.Equal(commented.OrderBy(p => p.Key, StringComparer.Ordinal), tracepoints.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Contains("lock_acquire", tracepoints.Keys);
            Assert.Contains("softirq_entry", tracepoints.Keys);
            Assert.Contains("sched_switch", tracepoints.Keys);
        }
        else
        {
            Assert.Contains("sched_switch", names);
            Assert.Contains("lock_acquire", names);
        }
    }

    [GeneratedRegex(@"\|\s+/\* ([a-z0-9_]+): .* \*/$")]
    private static partial Regex CommentedEvent();

    [Fact]
    public void Ingest_decodes_the_modeled_softirq_context_of_the_37_unsafe_free()
    {
        string path = SynthText.Generate(new SynthOptions("memcg-free", "3.7", 4, 11, 1, SynthStyle.Function), "ctx.txt");
        using var reader = TraceOpener.Open(path, "ctx");
        var chunk = new EventChunk();
        int softirqFrees = 0;
        while (reader.Read(chunk))
            for (int i = 0; i < chunk.Count; i++)
                if (reader.Names[chunk.Event[i]] == "function"
                    && System.Text.Encoding.UTF8.GetString(chunk.GetText(i, reader.Names.Intern("ip"))) == "free_css_id"
                    && (chunk.Context[i] & ContextBits.SoftIrq) != 0)
                    softirqFrees++;
        Assert.Equal(0, reader.Errors.Total);
        int truthSoftirq = SynthText.Truth(path).GetProperty("counts").GetProperty("memcgs_freed_in_softirq").GetInt32();
        Assert.True(truthSoftirq > 0);
        Assert.Equal(truthSoftirq, softirqFrees);
    }
}
