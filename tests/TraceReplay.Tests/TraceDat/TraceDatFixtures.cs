using System.IO.Compression;
using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>
/// Fixtures in tests/data/tracedat: .dat files (uncompressed ones stored as .dat.zst to stay small; unpacked once
/// into a temp directory) and the matching `trace-cmd report` outputs (the oracle).
/// </summary>
public static class TraceDatFixtures
{
    /// <summary>Every trace.dat fixture (name without extension).</summary>
    public static readonly string[] All =
    [
        "small_v6", "small_v7", "small_v7zstd", "small_v7zstd_x86tsc", "paired_small_v7",
        "trappy_9ebbd97_tests_trace_v6_arm32", "trappy_raw_trace_v6_arm64", "lisa_sched_load_trace_v6_arm64",
        "DERIVED_trappy_raw_trace_v7_nocomp", "DERIVED_lisa_sched_load_trace_v7_zstd",
    ];

    static readonly string s_tempDir = Path.Combine(Path.GetTempPath(), "tracereplay-tracedat-" + Environment.ProcessId);
    static readonly Lock s_lock = new();

    /// <summary>Path of the .dat file, unpacking a .dat.zst fixture on first use.</summary>
    public static string DatPath(string name)
    {
        string plain = TestData.Path($"tracedat/{name}.dat");
        if (File.Exists(plain))
            return plain;
        string packed = plain + ".zst";
        string target = Path.Combine(s_tempDir, name + ".dat");
        lock (s_lock)
        {
            if (!File.Exists(target))
            {
                Directory.CreateDirectory(s_tempDir);
                using var input = File.OpenRead(packed);
                using var z = new ZstdSharp.DecompressionStream(input);
                string tmp = target + ".part";
                using (var output = File.Create(tmp))
                    z.CopyTo(output);
                File.Move(tmp, target);
            }
        }
        return target;
    }

    public static byte[] DatBytes(string name) => File.ReadAllBytes(DatPath(name));

    /// <summary>Lines of a stored trace-cmd report ("" default, "-l", "-t").</summary>
    public static List<string> ReportLines(string name, string mode)
    {
        using var gz = new GZipStream(File.OpenRead(TestData.Path($"tracedat/{name}.report{mode}.txt.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, new UTF8Encoding(false));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        return lines;
    }

    /// <summary>All rows of a file, rendered in trace-cmd report layout, plus the reader for metadata/errors.</summary>
    public static (List<string> Lines, TraceDatReader Reader, TraceInfo Info) Render(string path, string mode)
    {
        var info = new TraceInfo(Path.GetFileName(path), path);
        var reader = new TraceDatReader(path, info);
        var lines = new List<string>();
        var chunk = new EventChunk(4096);
        var fmt = new ReportLineFormatter(reader, info, mode);
        lines.Add($"cpus={info.HeaderCpus}");
        while (reader.Read(chunk))
            for (int i = 0; i < chunk.Count; i++)
                fmt.Append(chunk, i, lines);
        return (lines, reader, info);
    }
}

/// <summary>
/// Formats our rows the way `trace-cmd report` 3.1.6 lays out a line (tracedat.md §5.1), so rows can be compared with
/// trace-cmd's own output string for string. Test-side only: the product never prints report lines.
/// </summary>
public sealed class ReportLineFormatter
{
    readonly TraceDatReader _reader;
    readonly TraceInfo _info;
    readonly string _mode;
    readonly string _prefix = "";
    bool _skipPrefix;

    public ReportLineFormatter(TraceDatReader reader, TraceInfo info, string mode)
    {
        _reader = reader;
        _info = info;
        _mode = mode;
        var meta = reader.Metadata!;
        if (meta.Buffers.Any(b => b.Name.Length > 0))
        {
            int maxLen = meta.Buffers.Max(b => b.Name.Length);
            // our fixtures keep all data in one buffer; its name prefixes every line
            var withData = meta.Buffers.First(b => b.Cpus.Any(c => c.Size > 0));
            _prefix = withData.Name.PadLeft(maxLen) + (withData.Name.Length > 0 ? ": " : "  ");
        }
    }

    public void Append(EventChunk c, int i, List<string> lines)
    {
        var names = _reader.Names;
        if (c.Kind[i] == EventKind.Lost)
        {
            long count = c.FieldValue[c.FindField(i, names.Intern("count"))];
            lines.Add($"{_prefix}CPU:{c.Cpu[i]} [{(count >= 0 ? count + " " : "")}EVENTS DROPPED]");
            _skipPrefix = true; // trace-cmd prints the prefix once, before the DROPPED text
            return;
        }
        var sb = new StringBuilder();
        if (!_skipPrefix)
            sb.Append(_prefix);
        _skipPrefix = false;
        string comm = names[c.Comm[i]];
        long ts = c.TsNs[i];
        string time = _info.CounterClock ? $"{ts,12}:"
            : _mode == "-t" ? $" {ts / 1_000_000_000,5}.{ts % 1_000_000_000:D9}:"
            : $" {(ts + 500) / 1000 / 1_000_000,5}.{(ts + 500) / 1000 % 1_000_000:D6}:";
        string name = names[c.Event[i]];
        if (_mode == "-l")
            sb.Append($"{(comm.Length > 8 ? comm[..8] : comm),8}-{c.Pid[i],-5} {c.Cpu[i],3}{names[c.Flags[i]]}{time} {name}: ");
        else
            sb.Append($"{comm,16}-{c.Pid[i],-5} [{c.Cpu[i]:D3}]{time} {name}: ");
        if (name.Length < 20)
            sb.Append(' ', 20 - name.Length);
        sb.Append(Encoding.UTF8.GetString(c.Payload(i)));
        lines.AddRange(sb.ToString().Split('\n'));
    }

    /// <summary>trace-cmd names ftrace:bprint/bputs lines "bprint"/"bputs"; CONTRACT.md names the row "print".</summary>
    public static string NormalizeReportLine(string line)
    {
        foreach (var name in new[] { "bprint", "bputs" })
        {
            string from = $" {name}: " + new string(' ', 20 - name.Length);
            int at = line.IndexOf(from, StringComparison.Ordinal);
            if (at >= 0)
                return line[..at] + " print: " + new string(' ', 15) + line[(at + from.Length)..];
        }
        return line;
    }
}
