using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Ingest.Input;
using TraceReplay.Ingest.TraceDat;

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
                return OpenTraceDat(path, detected.Compression, info);
            case TraceFormat.ConsoleLog:
                throw new NotSupportedException($"{path} is a console log, not an event stream (use the console/lockdep reader)");
            default:
                return new FtraceTextReader(InputDetector.OpenDecompressed(path, out _), info);
        }
    }

    /// <summary>trace.dat needs random access: a gzip/zstd-wrapped file is unpacked to a temp file deleted on close.</summary>
    static TraceDatReader OpenTraceDat(string path, string compression, TraceInfo info)
    {
        if (compression.Length == 0)
            return new TraceDatReader(path, info);
        string tmp = Path.Combine(Path.GetTempPath(), $"tracereplay-{Environment.ProcessId}-{Guid.NewGuid():N}.dat");
        var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        using (var src = InputDetector.OpenDecompressed(path, out _))
            src.CopyTo(file);
        file.Position = 0;
        return new TraceDatReader(file, info, ownsStream: true);
    }
}
