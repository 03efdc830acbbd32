using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Replay.Engine;

/// <summary>State the engine and its built-in trackers share for one trace.</summary>
internal sealed class ReplayShared
{
    public ReplayShared(TraceInfo info, NameTable names, ReplayOptions options, Action<ReportTable>? flush)
    {
        Info = info;
        Names = names;
        Options = options;
        Ids = new EventIds(names);
        NameCache = new NameCache(names);
        _flush = flush;
    }

    readonly Action<ReportTable>? _flush;

    public TraceInfo Info { get; }
    public NameTable Names { get; }
    public ReplayOptions Options { get; }
    public EventIds Ids { get; }
    /// <summary>Interns field text on the hot paths (cache names, work functions) without hashing it every time.</summary>
    public NameCache NameCache { get; }
    public SummaryCounts Summary { get; } = new();
    public long FirstNs { get; set; } = long.MaxValue;
    public long LastNs { get; set; } = long.MinValue;

    public string Trace => Info.Name;

    public string? Name(int id) => id == 0 ? null : Names[id];

    /// <summary>Hands a streamed table to the writer once it holds a batch (no-op when nobody streams).</summary>
    public void RowAdded(ReportTable table)
    {
        if (_flush != null && table.RowCount >= Options.BatchRows)
        {
            _flush(table);
            table.Clear();
        }
    }

    /// <summary>Pointers printed raw (%px, nohash-ptr) are kernel addresses; hashed %p values have a zero top half.</summary>
    public static bool IsRawKernelPointer(ulong p) => (p >> 48) == 0xffff;

    public static string Hex(ulong p) => "0x" + p.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
}
