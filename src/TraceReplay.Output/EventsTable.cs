using System.Text;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>
/// The events table (one row per event, every input format) and the ingest_errors table: the schemas users
/// script against, and the conversion of reader chunks into batches of them.
/// </summary>
public sealed class EventsTable
{
    readonly ReportTable _table = new("events");
    readonly Column<string?> _trace, _comm, _event, _kind, _flags, _needResched, _payload;
    readonly Column<long> _seq, _line, _byteOffset, _ts;
    readonly Column<int> _cpu, _pid, _tgid, _preemptDepth, _migrateDisable;
    readonly Column<bool> _irqsOff, _bhOff, _hardirq, _softirq, _nmi;

    public EventsTable()
    {
        _trace = _table.String("trace");
        _seq = _table.Int64("seq");
        _line = _table.Int64("line");
        _byteOffset = _table.Int64("byte_offset");
        _ts = _table.Int64("ts_ns");
        _cpu = _table.Int32("cpu");
        _pid = _table.Int32("pid");
        _tgid = _table.Int32("tgid");
        _comm = _table.String("comm");
        _event = _table.String("event");
        _kind = _table.String("kind");
        _flags = _table.String("flags");
        _irqsOff = _table.Bool("irqs_off");
        _bhOff = _table.Bool("bh_off");
        _needResched = _table.String("need_resched");
        _hardirq = _table.Bool("hardirq");
        _softirq = _table.Bool("softirq");
        _nmi = _table.Bool("nmi");
        _preemptDepth = _table.Int32("preempt_depth");
        _migrateDisable = _table.Int32("migrate_disable");
        _payload = _table.String("payload");
    }

    static readonly string[] s_kindNames = Enum.GetNames<EventKind>().Select(ToSnake).ToArray();
    static readonly string?[] s_reschedNames = BuildReschedNames();

    /// <summary>The kind column's text by (int)EventKind, as UTF-8 (for writers that skip the string batch).</summary>
    internal static readonly byte[][] KindNamesUtf8 = s_kindNames.Select(Encoding.UTF8.GetBytes).ToArray();
    /// <summary>The need_resched column's text by letter byte (null: the cell is null), as UTF-8.</summary>
    internal static readonly byte[]?[] ReschedNamesUtf8 = s_reschedNames.Select(n => n is null ? null : Encoding.UTF8.GetBytes(n)).ToArray();

    /// <summary>Converts one chunk into a batch (the returned table is reused by the next call).</summary>
    public ReportTable Fill(EventChunk chunk, NameTable names, string traceName)
    {
        _table.Clear();
        return Append(chunk, names, traceName);
    }

    /// <summary>The batch built so far (since the last <see cref="Fill"/> or <see cref="Clear"/>).</summary>
    public ReportTable Batch => _table;
    public int RowCount => _table.RowCount;

    public void Clear() => _table.Clear();

    /// <summary>Adds one chunk's rows to the batch being built and returns it.</summary>
    public ReportTable Append(EventChunk chunk, NameTable names, string traceName)
    {
        for (int i = 0; i < chunk.Count; i++)
        {
            _trace.Append(traceName);
            _seq.Append(chunk.Seq[i]);
            _line.Append(chunk.Line[i], chunk.Line[i] <= 0);
            _byteOffset.Append(chunk.ByteOffset[i]);
            _ts.Append(chunk.TsNs[i]);
            _cpu.Append(chunk.Cpu[i], chunk.Cpu[i] < 0);
            _pid.Append(chunk.Pid[i], chunk.Pid[i] < 0);
            _tgid.Append(chunk.Tgid[i], chunk.Tgid[i] < 0);
            _comm.Append(names[chunk.Comm[i]]);
            _event.Append(names[chunk.Event[i]]);
            _kind.Append(s_kindNames[(int)chunk.Kind[i]]);
            var ctx = chunk.Context[i];
            bool known = (ctx & ContextBits.Known) != 0;
            _flags.Append(chunk.Flags[i] == 0 ? null : names[chunk.Flags[i]], chunk.Flags[i] == 0);
            _irqsOff.Append((ctx & ContextBits.IrqsOff) != 0, !known || (ctx & ContextBits.IrqsNotSupported) != 0);
            _bhOff.Append((ctx & ContextBits.BhOff) != 0, !known);
            _needResched.Append(known ? s_reschedNames[chunk.NeedResched[i]] : null, !known);
            _hardirq.Append((ctx & ContextBits.HardIrq) != 0, !known);
            _softirq.Append((ctx & ContextBits.SoftIrq) != 0, !known);
            _nmi.Append((ctx & ContextBits.Nmi) != 0, !known);
            _preemptDepth.Append(chunk.PreemptDepth[i], chunk.PreemptDepth[i] < 0);
            _migrateDisable.Append(chunk.MigrateDisable[i], chunk.MigrateDisable[i] < 0);
            _payload.Append(Encoding.UTF8.GetString(chunk.Payload(i)));
        }
        return _table;
    }

    public static ReportTable IngestErrors(IEnumerable<IngestErrorLog> logs)
    {
        var t = new ReportTable("ingest_errors");
        var trace = t.String("trace");
        var line = t.Int64("line");
        var offset = t.Int64("byte_offset");
        var reason = t.String("reason");
        var excerpt = t.String("excerpt");
        foreach (var log in logs)
        {
            foreach (var e in log.Stored)
            {
                trace.Append(e.Trace);
                line.Append(e.Line, e.Line <= 0);
                offset.Append(e.ByteOffset, e.ByteOffset < 0);
                reason.Append(e.Reason);
                excerpt.Append(e.Excerpt);
            }
            if (log.Total > log.Stored.Count)
            {
                // Errors past the stored cap are still accounted for: one row per reason with the count left out.
                foreach (var (why, count) in log.CountsByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    trace.Append(log.Trace);
                    line.AppendNull();
                    offset.AppendNull();
                    reason.Append($"{why} (total {count}; only the first {IngestErrorLog.MaxStored} errors of the file are listed)");
                    excerpt.Append("");
                }
            }
        }
        return t;
    }

    static string? [] BuildReschedNames()
    {
        var names = new string?[256];
        names[0] = "";
        foreach (char c in "NnpBLbl") names[c] = c.ToString();
        return names;
    }

    static string ToSnake(string pascal)
    {
        var sb = new StringBuilder();
        foreach (char c in pascal)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
