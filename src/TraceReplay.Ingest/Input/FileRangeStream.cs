using Microsoft.Win32.SafeHandles;

namespace TraceReplay.Ingest.Input;

/// <summary>
/// Reads bytes [start, end) of a file through positional reads, after an optional prologue held in memory (the
/// file's header, so a reader that starts mid-file knows its columns). Several of these share one handle safely.
/// </summary>
public sealed class FileRangeStream(SafeFileHandle file, long start, long end, byte[]? prologue = null) : Stream
{
    readonly byte[] _prologue = prologue ?? [];
    long _position; // within prologue + range

    public override int Read(Span<byte> buffer)
    {
        int written = 0;
        if (_position < _prologue.Length)
        {
            int n = (int)Math.Min(buffer.Length, _prologue.Length - _position);
            _prologue.AsSpan((int)_position, n).CopyTo(buffer);
            _position += n;
            written = n;
        }
        long fileOffset = start + (_position - _prologue.Length);
        int want = (int)Math.Min(buffer.Length - written, end - fileOffset);
        if (want > 0)
        {
            int n = RandomAccess.Read(file, buffer.Slice(written, want), fileOffset);
            _position += n;
            written += n;
        }
        return written;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _prologue.Length + end - start;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
