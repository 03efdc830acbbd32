using System.Text.Json;
using System.Text.RegularExpressions;
using TraceReplay.Synth;

namespace TraceReplay.Tests.Synth;

/// <summary>Test-side reading of synthetic output: a plain regex over the text, independent of the generator and the ingest.</summary>
public static partial class SynthText
{
    [GeneratedRegex(@"^\s*(?<comm>.+?)-(?<pid>\d+)\s+\[(?<cpu>\d{3})\] (?<flags>\S{4}) +(?<ts>\d+\.\d{6}): (?<body>.*)$")]
    private static partial Regex LineRegex();

    public sealed record Line(string Comm, int Pid, int Cpu, string Flags, string Ts, string Body);

    public static IEnumerable<Line> Events(string path)
    {
        foreach (var raw in File.ReadLines(path))
        {
            if (raw.StartsWith('#')) continue;
            var m = LineRegex().Match(raw);
            if (!m.Success) throw new InvalidDataException("not a trace line: " + raw);
            yield return new Line(m.Groups["comm"].Value, int.Parse(m.Groups["pid"].Value), int.Parse(m.Groups["cpu"].Value),
                m.Groups["flags"].Value, m.Groups["ts"].Value, m.Groups["body"].Value);
        }
    }

    /// <summary>Generates into a fresh temp directory and returns the trace path.</summary>
    public static string Generate(SynthOptions o, string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracereplay-synth-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        SyntheticTrace.Write(o, path);
        return path;
    }

    public static JsonElement Truth(string tracePath) => JsonDocument.Parse(File.ReadAllText(tracePath + ".truth.json")).RootElement;
}
