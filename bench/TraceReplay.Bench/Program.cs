using BenchmarkDotNet.Running;

namespace TraceReplay.Bench;

/// <summary>BenchmarkDotNet entry: `dotnet run -c Release --project bench/TraceReplay.Bench -- --filter '*'`. Never run in CI.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
