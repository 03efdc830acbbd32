using System.Buffers;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Ingest.Input;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>
/// Streaming reader of kernel console logs (dmesg, /dev/kmsg, serial consoles, syslog/journal; plain, gzip or zstd):
/// splits UTF-8 lines out of a pooled buffer, strips each line's envelope and hands it to the
/// <see cref="ReportSegmenter"/>; only report lines become strings. Format: docs/formats/console-log.md.
/// </summary>
public static class ConsoleLogReader
{
    const int BufferSize = 1 << 20;
    const int MaxLineBytes = 1 << 20;

    public static ConsoleLogResult Read(string path, string traceName, IngestErrorLog errors)
    {
        using var stream = InputDetector.OpenDecompressed(path, out _);
        return Read(stream, Path.GetFileName(path), traceName, errors);
    }

    public static ConsoleLogResult Read(Stream stream, string source, string traceName, IngestErrorLog errors)
    {
        var segmenter = new ReportSegmenter();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long lineNumber = 0, consumedBytes = 0;
        int filled = 0;
        bool first = true;
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = stream.Read(buffer, filled, buffer.Length - filled);
                }
                catch (Exception e) when (e is IOException or InvalidDataException)
                {
                    errors.Add(lineNumber + 1, consumedBytes + filled, "input ends with a read/decompression error: " + e.Message);
                    n = 0;
                }
                bool eof = n == 0;
                filled += n;
                var data = buffer.AsSpan(0, filled);
                int start = 0;
                if (first && data.Length >= 3)
                {
                    if (data[..3].SequenceEqual("\uFEFF"u8)) start = 3;
                    first = false;
                }
                ScanLines(segmenter, data, ref start, ref lineNumber);
                if (eof)
                {
                    if (start < filled) segmenter.Line(data[start..], ++lineNumber);
                    consumedBytes += filled;
                    break;
                }
                int rest = filled - start;
                if (start == 0 && rest == buffer.Length)
                {
                    if (buffer.Length >= MaxLineBytes)
                    {
                        // a line longer than the limit: feed what we have as one line and carry on after it
                        errors.Add(lineNumber + 1, consumedBytes, $"line longer than {MaxLineBytes} bytes was split", data[..80]);
                        segmenter.Line(data, ++lineNumber);
                        consumedBytes += filled;
                        filled = 0;
                        continue;
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                    continue;
                }
                buffer.AsSpan(start, rest).CopyTo(buffer);
                consumedBytes += start;
                filled = rest;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        segmenter.Finish();
        return Build(segmenter, source, traceName, errors, lineNumber, consumedBytes);
    }

    /// <summary>
    /// Feeds the complete lines of <paramref name="data"/> from <paramref name="start"/> on. While no report is open,
    /// lines that cannot start one are skipped in bulk (only their newlines are counted); the line before a
    /// candidate is fed too, so a DEBUG_LOCKS_WARN_ON(...) printed just before its WARNING is not lost.
    /// </summary>
    static void ScanLines(ReportSegmenter segmenter, ReadOnlySpan<byte> data, ref int start, ref long lineNumber)
    {
        while (true)
        {
            if (!segmenter.HasOpenReports)
            {
                var rest = data[start..];
                int candidate = ReportSegmenter.NextCandidateLine(rest);
                if (candidate < 0)
                {
                    int lastNl = rest.LastIndexOf((byte)'\n');
                    if (lastNl >= 0)
                    {
                        lineNumber += rest[..(lastNl + 1)].Count((byte)'\n');
                        start += lastNl + 1;
                    }
                    return;
                }
                if (candidate > 0)
                {
                    int previous = rest[..(candidate - 1)].LastIndexOf((byte)'\n') + 1;
                    lineNumber += rest[..previous].Count((byte)'\n');
                    start += previous;
                }
            }
            int nl = data[start..].IndexOf((byte)'\n');
            if (nl < 0) return;
            segmenter.Line(data.Slice(start, nl), ++lineNumber);
            start += nl + 1;
        }
    }

    /// <summary>Reads a whole log held in memory (tests, small inputs).</summary>
    public static ConsoleLogResult Read(ReadOnlySpan<byte> text, string source, string traceName, IngestErrorLog errors)
    {
        var segmenter = new ReportSegmenter();
        long lineNumber = 0;
        int start = text.StartsWith("\uFEFF"u8) ? 3 : 0;
        ScanLines(segmenter, text, ref start, ref lineNumber);
        if (start < text.Length) segmenter.Line(text[start..], ++lineNumber);
        segmenter.Finish();
        return Build(segmenter, source, traceName, errors, lineNumber, text.Length);
    }

    static ConsoleLogResult Build(ReportSegmenter segmenter, string source, string traceName, IngestErrorLog errors, long lines, long bytes)
    {
        var reports = new List<LockdepReport>(segmenter.Reports.Count);
        foreach (var raw in segmenter.Reports.OrderBy(r => r.Line))
        {
            LockdepReport report;
            try
            {
                report = ReportParser.Parse(raw, source);
                SyzkallerTitle.Apply(report);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or FormatException or InvalidOperationException)
            {
                // a grammar case nobody foresaw must not lose the report: keep it bare and say why
                report = new LockdepReport { Source = source, Line = raw.Line, TimestampNs = raw.TimestampNs, Kind = raw.Kind,
                                             Caller = ConsoleEnvelope.CallerName(raw.Caller) };
                report.Lines.AddRange(raw.Lines);
                report.Title = raw.Lines.Count > 0 ? raw.Lines[0].Text.Trim() : LockdepKinds.Name(raw.Kind);
                report.CorruptionReasons.Add("report grammar not understood: " + e.Message);
            }
            report.Index = reports.Count;
            reports.Add(report);
            if (report.Corrupted)
                errors.Add(report.Line, 0, "lockdep report kept but flagged corrupted: " + report.CorruptionReasons[0], report.Title);
        }
        return new ConsoleLogResult
        {
            TraceName = traceName,
            Source = source,
            Reports = reports,
            Tables = ConsoleLogTables.Build(traceName, reports),
            Lines = lines,
            Bytes = bytes,
        };
    }
}
