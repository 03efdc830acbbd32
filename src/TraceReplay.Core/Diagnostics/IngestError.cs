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
