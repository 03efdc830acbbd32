using BenchmarkDotNet.Running;

namespace TraceReplay.Bench;

/// <summary>BenchmarkDotNet entry: `dotnet run -c Release --project bench/TraceReplay.Bench -- --filter '*'`. Never run in CI.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // whole-process timing hook for bench/tracedat-speed.sh
        if (args is ["tracedat-decode", var path])
        {
            TraceDatBench.DecodeOnce(path);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
