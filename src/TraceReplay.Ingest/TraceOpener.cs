using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Ingest.Input;

namespace TraceReplay.Ingest;

/// <summary>Opens any supported trace file as an <see cref="IEventReader"/>, choosing the reader by content.</summary>
public static class TraceOpener
{
    /// <param name="path">File to read (plain, gzip or zstd; detected by magic bytes).</param>
    /// <param name="traceName">Name used in every report's trace column and in error messages.</param>
    public static IEventReader Open(string path, string traceName)
    {
        var detected = InputDetector.Detect(path);
        var info = new TraceInfo(traceName, path) { Format = detected.Format, Compression = detected.Compression };
        switch (detected.Format)
        {
            case TraceFormat.TraceDat:
                throw new NotSupportedException("trace.dat reader not built"); // tracedat helper: replace this line
            case TraceFormat.ConsoleLog:
                throw new NotSupportedException($"{path} is a console log, not an event stream (use the console/lockdep reader)");
            default:
                return new FtraceTextReader(InputDetector.OpenDecompressed(path, out _), info);
        }
    }
}
