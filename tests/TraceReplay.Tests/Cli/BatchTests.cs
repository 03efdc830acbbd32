using TraceReplay.Cli;

namespace TraceReplay.Tests.Cli;

/// <summary>The batch over real fixtures: determinism, sharding + merge, broken inputs, atomic outputs.</summary>
public sealed class BatchTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tr-batch-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A small mixed input folder: two real traces, one truncated mid-line, one empty file, one binary blob.</summary>
    string MakeInputs()
    {
        string input = Path.Combine(_root, "in");
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        File.Copy(TestData.Path("ingest/sample_trace_6.18_memcg_free.txt"), Path.Combine(input, "memcg_free.txt"));
        File.Copy(TestData.Path("ingest/tc_trace-android-sched-irq.txt"), Path.Combine(input, "sub", "android.txt"));
        byte[] real = File.ReadAllBytes(TestData.Path("ingest/tc_trace-critical-path.txt"));
        // Cut inside the "[cpu] flags timestamp:" prefix of a line, so the last line cannot be an event.
        int lineStart = Array.LastIndexOf(real, (byte)'\n', real.Length / 2) + 1;
        int cut = Array.IndexOf(real, (byte)'[', lineStart) + 3;
        File.WriteAllBytes(Path.Combine(input, "sub", "truncated.txt"), real[..cut]);
        File.WriteAllBytes(Path.Combine(input, "empty.txt"), []);
        File.WriteAllBytes(Path.Combine(input, "sub", "notes.md"), "# not a trace\n"u8.ToArray());
        return input;
    }

    static int Run(params string[] args) => Program.Main(args);

    static Dictionary<string, string[]> Csv(string dir, string table)
        => File.ReadAllLines(Path.Combine(dir, table + ".csv")).Skip(1).GroupBy(l => l.Split(',')[0]).ToDictionary(g => g.Key, g => g.ToArray());

    [Fact]
    public void Same_inputs_twice_give_identical_csv_and_every_trace_has_a_summary_row()
    {
        string input = MakeInputs();
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b");
        Assert.Equal(0, Run("ingest", input, "--out", a, "-q", "--jobs", "2"));
        Assert.Equal(0, Run("ingest", input, "--out", b, "-q", "--jobs", "1"));
        foreach (string f in Directory.GetFiles(a, "*.csv"))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(b, Path.GetFileName(f))));

        var summary = Csv(a, "summary");
        Assert.Equal(["in/empty.txt", "in/memcg_free.txt", "in/sub/android.txt", "in/sub/truncated.txt"], summary.Keys.Order());
        Assert.Contains("in/sub/notes.md", File.ReadAllText(Path.Combine(a, "skipped_inputs.csv")));
        // The empty file is a trace with zero events, not a failure.
        Assert.Contains(",ok,", summary["in/empty.txt"][0]);
        // No temporary file is left anywhere in the output.
        Assert.Empty(Directory.GetFiles(a, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Truncated_trace_reports_its_last_line_and_the_rest_is_complete()
    {
        string input = MakeInputs();
        string outDir = Path.Combine(_root, "o");
        Assert.Equal(0, Run("ingest", input, "--out", outDir, "-q"));
        int expectedLines = File.ReadAllLines(Path.Combine(input, "sub", "truncated.txt")).Length;
        var errors = Csv(outDir, "ingest_errors");
        Assert.True(errors.ContainsKey("in/sub/truncated.txt"));
        Assert.Contains(errors["in/sub/truncated.txt"], l => l.Split(',')[1] == expectedLines.ToString());
        // The intact trace next to it is read whole: its event count equals its non-header line count.
        int androidEvents = File.ReadAllLines(Path.Combine(input, "sub", "android.txt")).Count(l => !l.StartsWith('#') && l.Trim().Length > 0);
        Assert.Contains($",{androidEvents},", Csv(outDir, "summary")["in/sub/android.txt"][0]);
        // --strict turns the input errors into exit code 2.
        Assert.Equal(2, Run("ingest", input, "--out", Path.Combine(_root, "strict"), "-q", "--strict"));
    }

    [Fact]
    public void Two_shards_merged_equal_one_unsharded_run()
    {
        string input = MakeInputs();
        string whole = Path.Combine(_root, "whole"), s0 = Path.Combine(_root, "s0"), s1 = Path.Combine(_root, "s1"), merged = Path.Combine(_root, "merged");
        Assert.Equal(0, Run("ingest", input, "--out", whole, "-q"));
        Assert.Equal(0, Run("ingest", input, "--out", s0, "-q", "--shard", "0/2"));
        Assert.Equal(0, Run("ingest", input, "--out", s1, "-q", "--shard", "1/2"));
        // The shards split the traces between them: disjoint, and together all of them.
        var k0 = Csv(s0, "summary").Keys.ToHashSet();
        var k1 = Csv(s1, "summary").Keys.ToHashSet();
        Assert.Empty(k0.Intersect(k1));
        Assert.Equal(Csv(whole, "summary").Keys.Order(), k0.Union(k1).Order());
        Assert.Equal(0, Run("merge", s0, s1, "--out", merged));
        foreach (string table in new[] { "summary", "events", "ingest_errors" })
            Assert.Equal(File.ReadAllText(Path.Combine(whole, table + ".csv")), File.ReadAllText(Path.Combine(merged, table + ".csv")));
    }

    [Fact]
    public void Incremental_run_skips_unchanged_traces_and_redoes_changed_ones()
    {
        string input = MakeInputs();
        string outDir = Path.Combine(_root, "inc");
        Assert.Equal(0, Run("ingest", input, "--out", outDir, "-q", "--incremental"));
        string first = File.ReadAllText(Path.Combine(outDir, "summary.csv"));
        Assert.Equal(0, Run("ingest", input, "--out", outDir, "-q", "--incremental"));
        Assert.Equal(first, File.ReadAllText(Path.Combine(outDir, "summary.csv")));
        File.AppendAllText(Path.Combine(input, "empty.txt"), File.ReadAllText(Path.Combine(input, "memcg_free.txt")));
        Assert.Equal(0, Run("ingest", input, "--out", outDir, "-q", "--incremental"));
        var summary = Csv(outDir, "summary");
        Assert.Equal(summary["in/memcg_free.txt"][0].Split(',')[7], summary["in/empty.txt"][0].Split(',')[7]);
    }

    [Fact]
    public void Partitioned_layout_writes_hive_folders()
    {
        string input = MakeInputs();
        string outDir = Path.Combine(_root, "p");
        Assert.Equal(0, Run("ingest", input, "--out", outDir, "-q", "--layout", "partitioned"));
        Assert.True(File.Exists(Path.Combine(outDir, "summary", "trace=in%2Fsub%2Fandroid.txt", "part.parquet")));
        Assert.True(File.Exists(Path.Combine(outDir, "events", "trace=in%2Fmemcg_free.txt", "part.csv")));
    }

    [Fact]
    public void A_dmesg_beside_its_trace_links_its_lockdep_report_to_the_replay_findings()
    {
        string together = Path.Combine(_root, "case", "together"), apart = Path.Combine(_root, "case", "apart");
        Directory.CreateDirectory(together);
        Directory.CreateDirectory(apart);
        File.Copy(TestData.Trace("synthetic/memcg-free-3.7.txt"), Path.Combine(together, "trace.txt"));
        File.Copy(TestData.Trace("synthetic/memcg-free-3.7.txt.dmesg.txt"), Path.Combine(together, "dmesg.txt"));
        File.Copy(TestData.Trace("synthetic/memcg-free-3.7.txt.dmesg.txt"), Path.Combine(apart, "dmesg.txt"));
        string outDir = Path.Combine(_root, "links");
        Assert.Equal(0, Run("analyze", Path.Combine(_root, "case"), "--out", outDir, "-q", "--kernel", "3.7"));
        // The splat's lock class, read from the dmesg text itself.
        string splatClass = File.ReadAllLines(Path.Combine(together, "dmesg.txt"))
            .First(l => l.Contains(", at: ")).Split(" (")[1].Split(")->rlock")[0] + ")->rlock";
        var links = File.ReadAllLines(Path.Combine(outDir, "report_links.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Contains(links, l => l[0] == "case/together/dmesg.txt" && l[3] == splatClass && l[4] == "case/together/trace.txt"
            && l[5] == "lock_findings" && l[8] == "lock_class+usage");
        // A report with no trace beside it links to nothing.
        Assert.DoesNotContain(links, l => l[0] == "case/apart/dmesg.txt");
    }

    [Fact]
    public void Usage_errors_exit_1()
    {
        Assert.Equal(1, Run("ingest", "--out"));
        Assert.Equal(1, Run("ingest", MakeInputs(), "--out", Path.Combine(_root, "x"), "--shard", "3/2"));
    }
}
