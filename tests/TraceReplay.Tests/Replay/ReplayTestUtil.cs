using System.IO.Compression;
using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Ingest.Ftrace;
using TraceReplay.Replay.Engine;
using TraceReplay.Replay.Model;

namespace TraceReplay.Tests.Replay;

/// <summary>Runs the replay over fixtures, text excerpts or hand-built chunks and reads report rows back.</summary>
public static class ReplayTestUtil
{
    public static Stream OpenFixture(string name)
    {
        var s = File.OpenRead(TestData.Path("replay/" + name));
        return name.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(s, CompressionMode.Decompress) : s;
    }

    public static Reports ReplayFixture(string name, ReplayOptions? options = null, params IReplayObserver[] observers)
    {
        using var s = OpenFixture(name);
        return ReplayStream(s, name, options, observers);
    }

    public static Reports ReplayText(string text, ReplayOptions? options = null, params IReplayObserver[] observers)
        => ReplayStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), "excerpt", options, observers);

    public static Reports ReplayStream(Stream s, string name, ReplayOptions? options, IReplayObserver[] observers, int chunkCapacity = 1000)
    {
        using var reader = new FtraceTextReader(s, new TraceInfo(name, name));
        var engine = new ReplayEngine(options) { IngestErrors = reader.Errors };
        foreach (var o in observers) engine.Add(o);
        var chunk = new EventChunk(chunkCapacity);
        engine.Begin(reader.Info, reader.Names);
        while (reader.Read(chunk))
            engine.Consume(chunk);
        engine.End();
        return new Reports(engine.Reports);
    }

    /// <summary>The standard tracefs header, so excerpts are read as the merged "trace" file.</summary>
    public const string Header = """
        # tracer: nop
        #
        # entries-in-buffer/entries-written: 100/100   #P:2
        #
        #                                _-----=> irqs-off/BH-disabled
        #                               / _----=> need-resched
        #                              | / _---=> hardirq/softirq
        #                              || / _--=> preempt-depth
        #                              ||| / _-=> migrate-disable
        #                              |||| /     delay
        #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
        #              | |         |   |||||     |         |

        """;
}

/// <summary>Report tables by name with row access by column name.</summary>
public sealed class Reports(List<ReportTable> tables)
{
    public List<ReportTable> Tables { get; } = tables;

    public ReportTable this[string name] => Tables.Single(t => t.Name == name);

    public List<Dictionary<string, object?>> Rows(string table)
    {
        var t = this[table];
        var rows = new List<Dictionary<string, object?>>();
        for (int r = 0; r < t.RowCount; r++)
        {
            var row = new Dictionary<string, object?>();
            foreach (var c in t.Columns) row[c.Name] = c.IsNull(r) ? null : Value(c, r);
            rows.Add(row);
        }
        return rows;
    }

    public long Summary(string column) => (long)Rows("summary").Single()[column]!;

    static object? Value(ReportColumn c, int r) => c switch
    {
        Column<long> l => l[r],
        Column<int> i => i[r],
        Column<ulong> u => u[r],
        Column<double> d => d[r],
        Column<bool> b => b[r],
        Column<string?> s => s[r],
        _ => throw new InvalidOperationException(c.Name),
    };
}

/// <summary>Builds event chunks by hand (flags decoded by the ingest decoder, fields typed as the contract says).</summary>
public sealed class ChunkBuilder
{
    long _seq;

    public NameTable Names { get; } = new();
    public EventChunk Chunk { get; } = new(4096);

    /// <param name="fields">"key=value" pairs; values starting with 0x are Hex, all-digit ones Int, the rest Text.</param>
    public ChunkBuilder Add(long ts, int cpu, int pid, string comm, string flags, string evt, params string[] fields)
        => Add(EventKind.Tracepoint, ts, cpu, pid, comm, flags, evt, fields);

    public ChunkBuilder Add(EventKind kind, long ts, int cpu, int pid, string comm, string flags, string evt, params string[] fields)
    {
        var c = Chunk;
        int r = c.AddRow();
        c.Seq[r] = _seq++;
        c.Line[r] = _seq;
        c.TsNs[r] = ts;
        c.Cpu[r] = cpu;
        c.Pid[r] = pid;
        c.Comm[r] = Names.Intern(comm);
        c.Event[r] = Names.Intern(evt);
        c.Kind[r] = kind;
        if (flags.Length > 0)
        {
            c.Flags[r] = Names.Intern(flags);
            FtraceFlags.Decode(Encoding.ASCII.GetBytes(flags), flags.Length >= 5, out var ctx, out var nr, out var depth, out var mig);
            c.Context[r] = ctx; c.NeedResched[r] = nr; c.PreemptDepth[r] = depth; c.MigrateDisable[r] = mig;
        }
        c.SetPayload(r, Encoding.UTF8.GetBytes(string.Join(' ', fields)));
        foreach (var kv in fields)
        {
            int eq = kv.IndexOf('=');
            string key = kv[..eq], value = kv[(eq + 1)..];
            int k = Names.Intern(key);
            if (value.StartsWith("0x", StringComparison.Ordinal))
                c.AddTextField(r, k, Encoding.UTF8.GetBytes(value));
            else
                c.AddTextField(r, k, Encoding.UTF8.GetBytes(value));
            int f = c.FieldTotal - 1;
            if (value.StartsWith("0x", StringComparison.Ordinal))
            { c.FieldTypes[f] = FieldType.Hex; c.FieldValue[f] = (long)Convert.ToUInt64(value[2..], 16); }
            else if (long.TryParse(value, out long v))
            { c.FieldTypes[f] = FieldType.Int; c.FieldValue[f] = v; }
        }
        return this;
    }

    public Reports Replay(TraceInfo? info = null, ReplayOptions? options = null, params IReplayObserver[] observers)
    {
        info ??= new TraceInfo("hand", "hand") { Format = TraceFormat.FtraceText, Variant = "tracefs", HeaderCpus = 2, FlagsWidth = 5 };
        var engine = new ReplayEngine(options);
        foreach (var o in observers) engine.Add(o);
        engine.Begin(info, Names);
        engine.Consume(Chunk);
        engine.End();
        return new Reports(engine.Reports);
    }
}
