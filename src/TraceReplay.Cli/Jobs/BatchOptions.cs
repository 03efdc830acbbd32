using TraceReplay.Output;

namespace TraceReplay.Cli.Jobs;

/// <summary>Everything `analyze` and `ingest` are told on the command line.</summary>
public sealed record BatchOptions
{
    public required IReadOnlyList<string> Paths { get; init; }
    public required string OutDirectory { get; init; }
    public int Jobs { get; init; } = Environment.ProcessorCount;
    public bool Strict { get; init; }
    /// <summary>Write the events table (ingest always does; analyze on request).</summary>
    public bool Events { get; init; }
    /// <summary>Run replay and analyses (analyze) or only ingest.</summary>
    public bool Analyze { get; init; } = true;
    public OutputLayout? Layout { get; init; }
    public bool Csv { get; init; } = true;
    public bool Parquet { get; init; } = true;
    public bool Incremental { get; init; }
    /// <summary>Shard index and count (0-based i of N): this run takes the inputs whose name hashes to i.</summary>
    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;
    /// <summary>CPU count override for the replay (0 = from the trace).</summary>
    public int Cpus { get; init; }
    public bool Progress { get; init; } = !Console.IsErrorRedirected;
    /// <summary>Kernel release for inputs that do not state one (selects the era's rules and usage strings).</summary>
    public string? Kernel { get; init; }

    /// <summary>The options that change outputs; part of the --incremental content key.</summary>
    public string OutputKey => $"events={Events};analyze={Analyze};cpus={Cpus};kernel={Kernel};csv={Csv};parquet={Parquet}";
}
