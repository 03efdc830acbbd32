using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Bench;

/// <summary>
/// Issue 6 speed target (>= 200 MB/s): a ~200 MB console log built from the build machine's real dmesg
/// (tests/data/console-negative) with one real lockdep-family report from the corpus (tests/data/lockdep) spliced in
/// every 2 MB, read from disk through <see cref="ConsoleLogReader"/>. MB/s = LogMegabytes / median time.
/// Run: dotnet run -c Release --project bench/TraceReplay.Bench -- --filter '*ConsoleLogBench*'
/// In-process toolchain: on the shared 2-core box the generated out-of-process project does not build within
/// BenchmarkDotNet's 2-minute limit.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class ConsoleLogBench
{
    sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(9));
    }

    string _path = "";

    public double LogMegabytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "TraceReplay.sln"))) root = Path.GetDirectoryName(root)!;
        string data = Path.Combine(root, "tests", "data");
        var dmesg = File.ReadAllLines(Path.Combine(data, "console-negative", "dmesg-6.18-firecracker.txt"));
        var reports = Directory.GetFiles(Path.Combine(data, "lockdep"), "*.txt").OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => File.ReadAllText(p)).Select(t => t[(t.IndexOf("\n\n", StringComparison.Ordinal) + 2)..]).ToArray();
        _path = Path.Combine(Path.GetTempPath(), "tracereplay-console-bench.log");
        using (var w = new StreamWriter(_path))
        {
            long written = 0, nextReport = 2 << 20;
            int line = 0, report = 0;
            while (written < 200L << 20)
            {
                string l = dmesg[line++ % dmesg.Length];
                w.Write(l);
                w.Write('\n');
                written += l.Length + 1;
                if (written < nextReport) continue;
                string r = reports[report++ % reports.Length];
                w.Write(r);
                if (!r.EndsWith('\n')) w.Write('\n');
                written += r.Length + 1;
                nextReport += 2 << 20;
            }
        }
        LogMegabytes = new FileInfo(_path).Length / 1e6;
        Console.WriteLine($"// console log: {LogMegabytes:F1} MB at {_path}");
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public int ReadConsoleLog() => ConsoleLogReader.Read(_path, "bench", new IngestErrorLog("bench")).Reports.Count;
}
