using TraceReplay.Core.Events;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Ingest.Input;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Ingest;

/// <summary>Opens any supported trace file as an <see cref="IEventReader"/>, choosing the reader by content.</summary>
public static class TraceOpener
{
    /// <param name="path">File to read (plain, gzip, zstd, xz or bzip2; detected by magic bytes).</param>
    /// <param name="traceName">Name used in every report's trace column and in error messages.</param>
    /// <param name="parseThreads">Threads that may parse one large plain text file in segments (1: one reader thread).</param>
    public static IEventReader Open(string path, string traceName, int parseThreads = 1)
    {
        var detected = InputDetector.Detect(path);
        var info = new TraceInfo(traceName, path) { Format = detected.Format, Compression = detected.Compression };
        switch (detected.Format)
        {
            case TraceFormat.TraceDat:
                return OpenTraceDat(path, detected.Compression, info);
            case TraceFormat.Unknown:
                throw new InvalidDataException($"{path}: {detected.Problem}");
            case TraceFormat.ConsoleLog:
                throw new NotSupportedException($"{path} is a console log, not an event stream (use the console/lockdep reader)");
            default:
                // compressed text cannot be cut: only its decompressor knows where a byte of the text lies
                if (detected.Compression.Length == 0 && parseThreads > 1)
                    return ChunkedFtraceTextReader.Open(path, info, parseThreads);
                return new FtraceTextReader(InputDetector.OpenDecompressed(path, out _), info);
        }
    }

    /// <summary>
    /// trace.dat needs random access: a compressed file is unpacked to a temp file deleted on close. A wrapper that
    /// is cut off or corrupt keeps what decompressed: the reader then reports the truncated sections by offset, and
    /// the wrapper's own error is reported beside them.
    /// </summary>
    static TraceDatReader OpenTraceDat(string path, string compression, TraceInfo info)
    {
        if (compression.Length == 0)
            return new TraceDatReader(path, info);
        string tmp = Path.Combine(Path.GetTempPath(), $"tracereplay-{Environment.ProcessId}-{Guid.NewGuid():N}.dat");
        var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        string? wrapperError = null;
        using (var src = InputDetector.OpenDecompressed(path, out _))
        {
            try
            {
                src.CopyTo(file);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                wrapperError = $"{compression} data is corrupt or truncated after {file.Length} decompressed bytes ({e.Message}); the part before is read";
            }
        }
        file.Position = 0;
        var reader = new TraceDatReader(file, info, ownsStream: true);
        if (wrapperError != null)
            reader.Errors.Add(0, file.Length, wrapperError);
        return reader;
    }
}
