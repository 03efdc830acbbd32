using System.IO.Compression;
using TraceReplay.Cli;

namespace TraceReplay.Tests.Replay;

/// <summary>
/// The real 6.18 capture shipped in traces/real (recorded on this project's machine with sched_process_* enabled):
/// tasks are freed by an RCU callback (delayed_put_task_struct) in softirq, and every rmdir'd memcg is freed in a
/// kworker. Expected counts come from scanning the text here, not from the replay.
/// </summary>
public sealed class RealCaptureTests : IDisposable
{
    const string Capture = "real/memcg-lifecycle-6.18.trace.txt.gz";
    readonly string _out = Directory.CreateTempSubdirectory("tr-real-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void Task_frees_land_in_rcu_callback_context_and_memcgs_are_freed_in_process_context()
    {
        string[] text;
        using (var gz = new GZipStream(File.OpenRead(TestData.Trace(Capture)), CompressionMode.Decompress))
        using (var reader = new StreamReader(gz))
            text = reader.ReadToEnd().Split('\n');
        int schedFrees = text.Count(l => l.Contains(": sched_process_free: "));
        int memcgRmdirs = text.Count(l => l.Contains(": cgroup_rmdir: ") && l.Contains("/tr"));
        Assert.True(schedFrees > 0);

        Assert.Equal(0, Program.Main(["analyze", TestData.Trace(Capture), "--out", _out, "-q"]));
        var lifetimes = File.ReadAllLines(Path.Combine(_out, "lifetimes.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        // trace,kind,key,created_ns,offlined_ns,released_ns,freed_ns,free_cpu,free_context,free_comm,free_function,status
        var freedTasks = lifetimes.Where(r => r[1] == "task" && r[^1] == "freed").ToList();
        Assert.Equal(schedFrees, freedTasks.Count);
        Assert.All(freedTasks, r => Assert.Equal("rcu-callback", r[8]));

        var freedMemcgs = lifetimes.Where(r => r[1] == "memcg" && r[^1] == "freed").ToList();
        Assert.Equal(memcgRmdirs, freedMemcgs.Count);
        Assert.All(freedMemcgs, r => Assert.Equal("task", r[8]));
        Assert.All(freedMemcgs, r => Assert.StartsWith("kworker/", r[9]));
        Assert.All(freedMemcgs, r => Assert.Equal("css_free_rwork_fn", r[10]));
        Assert.Equal(0L, File.ReadAllLines(Path.Combine(_out, "unsafe_frees.csv")).Skip(1).LongCount());
    }
}
