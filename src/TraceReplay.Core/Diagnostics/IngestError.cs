namespace TraceReplay.Core.Diagnostics;

/// <summary>One input problem: where (line is 1-based, 0 when not line-based; byte offset into the decompressed stream) and why.</summary>
public readonly record struct IngestError(string Trace, long Line, long ByteOffset, string Reason, string Excerpt);

/// <summary>
/// Collects input problems without ever throwing. Keeps the first <see cref="MaxStored"/> errors verbatim and counts
/// every error by reason, so a file with a million bad lines costs bounded memory and still reports exact totals.
/// </summary>
public sealed class IngestErrorLog
{
    public const int MaxStored = 1000;
    const int MaxExcerptChars = 120;

    readonly List<IngestError> _stored = new();
    readonly Dictionary<string, long> _countsByReason = new(StringComparer.Ordinal);

    public IngestErrorLog(string trace) => Trace = trace;

    public string Trace { get; }
    public long Total { get; private set; }
    public IReadOnlyList<IngestError> Stored => _stored;
    public IReadOnlyDictionary<string, long> CountsByReason => _countsByReason;

    public void Add(long line, long byteOffset, string reason, ReadOnlySpan<byte> excerpt)
        => Add(line, byteOffset, reason, Excerpt(excerpt));

    public void Add(long line, long byteOffset, string reason, string excerpt = "")
    {
        Total++;
        _countsByReason[reason] = _countsByReason.GetValueOrDefault(reason) + 1;
        if (_stored.Count < MaxStored)
            _stored.Add(new IngestError(Trace, line, byteOffset, reason, excerpt));
    }

    /// <summary>
    /// Appends the errors of a later part of the same input (a segment parsed on its own), its line numbers shifted
    /// by <paramref name="lineBase"/>. Errors the part counted but did not store are counted here too.
    /// </summary>
    public void Absorb(IngestErrorLog part, long lineBase)
    {
        foreach (var e in part.Stored)
            Add(e.Line + lineBase, e.ByteOffset, e.Reason, e.Excerpt);
        if (part.Total == part.Stored.Count)
            return;
        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in part.Stored)
            stored[e.Reason] = stored.GetValueOrDefault(e.Reason) + 1;
        foreach (var (reason, count) in part.CountsByReason)
            CountOnly(reason, count - stored.GetValueOrDefault(reason));
    }

    /// <summary>
    /// Appends the errors at or after <paramref name="fromByteOffset"/> of a log that re-read the whole input, when this
    /// log already holds exactly the errors before that offset.
    /// </summary>
    public void AbsorbTail(IngestErrorLog whole, long fromByteOffset)
    {
        foreach (var e in whole.Stored)
            if (e.ByteOffset >= fromByteOffset)
                Add(e.Line, e.ByteOffset, e.Reason, e.Excerpt);
        foreach (var (reason, count) in whole.CountsByReason)
            CountOnly(reason, count - _countsByReason.GetValueOrDefault(reason));
    }

    void CountOnly(string reason, long count)
    {
        if (count <= 0)
            return;
        Total += count;
        _countsByReason[reason] = _countsByReason.GetValueOrDefault(reason) + count;
    }

    public static string Excerpt(ReadOnlySpan<byte> utf8)
    {
        int n = Math.Min(utf8.Length, MaxExcerptChars * 2);
        string s = System.Text.Encoding.UTF8.GetString(utf8[..n]).TrimEnd('\r', '\n');
        return s.Length > MaxExcerptChars ? s[..MaxExcerptChars] + "…" : s;
    }

    /// <summary>"file:line (byte N): reason" — the form printed on stderr.</summary>
    public static string Format(IngestError e)
        => e.Line > 0 ? $"{e.Trace}:{e.Line} (byte {e.ByteOffset}): {e.Reason}" : $"{e.Trace} (byte {e.ByteOffset}): {e.Reason}";
}
