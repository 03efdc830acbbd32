namespace TraceReplay.Replay.Model;

/// <summary>
/// Optional for an <see cref="IReplayObserver"/>: adds finding counts to the replay's summary table (one column per
/// finding kind, in the order first added). Called once at the end of the replay, before the summary row is written.
/// </summary>
public interface IReplaySummaryContributor
{
    void AddSummaryCounts(SummaryCounts counts);
}

/// <summary>Named finding counts, kept in first-added order so summary columns are deterministic.</summary>
public sealed class SummaryCounts
{
    readonly List<string> _order = new();
    readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _order;

    public long this[string name] => _values.GetValueOrDefault(name);

    /// <summary>Declares a column (value 0) without counting anything, so it exists even when nothing was found.</summary>
    public void Declare(string name)
    {
        if (_values.TryAdd(name, 0))
            _order.Add(name);
    }

    public void Add(string name, long n = 1)
    {
        if (_values.TryAdd(name, n))
            _order.Add(name);
        else
            _values[name] += n;
    }

    public void Set(string name, long n)
    {
        Declare(name);
        _values[name] = n;
    }
}
