using BenchmarkDotNet.Running;

namespace TraceReplay.Bench;

/// <summary>BenchmarkDotNet entry: `dotnet run -c Release --project bench/TraceReplay.Bench -- --filter '*'`. Never run in CI.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // whole-process timing paths used by bench/*.sh scripts
        if (args.Length > 0 && args[0] == "--ingest-text")
        {
            Environment.ExitCode = FtraceTextSpeed.Run(args[1..]);
            return;
        }
        if (args is ["--ingest-text-digest", _])
        {
            Environment.ExitCode = FtraceTextSpeed.Digest(args[1..]);
            return;
        }
        if (args.Length > 1 && args[0] == "--events-parquet")
        {
            Environment.ExitCode = EventsParquetSpeed.Run(args[1..]);
            return;
        }
        if (args is ["tracedat-decode", var path, ..] && args.Length <= 3)
        {
            // --no-payload: decode as analyze does (fields only)
            TraceDatBench.DecodeOnce(path, payloadText: args is not [_, _, "--no-payload"]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
