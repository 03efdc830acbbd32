using System.Text;
using TraceReplay.Analysis;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Replay.Model;

namespace TraceReplay.Tests.Analysis;

/// <summary>Where a hand-built event ran: the replayed CPU context the real engine would hand the observers.</summary>
public readonly record struct At(int Cpu, int Pid, string Comm, ExecContext Context, bool IrqsOff = false, bool BhOff = false,
    int SoftirqVec = -1, string RcuCallback = "", string Work = "")
{
    public static At Task(int cpu, int pid, string comm) => new(cpu, pid, comm, ExecContext.Task);
    public static At TaskIrqsOff(int cpu, int pid, string comm) => new(cpu, pid, comm, ExecContext.TaskAtomic, IrqsOff: true);
    public static At TaskBhOff(int cpu, int pid, string comm) => new(cpu, pid, comm, ExecContext.TaskBhOff, BhOff: true);
    public static At Worker(int cpu, int pid, string work) => new(cpu, pid, "kworker/" + cpu + ":1", ExecContext.Task, Work: work);
    /// <summary>An RCU callback run from the RCU softirq (vec 9) on top of <paramref name="pid"/>.</summary>
    public static At RcuSoftirq(int cpu, int pid, string comm, string callback)
        => new(cpu, pid, comm, ExecContext.RcuCallback, BhOff: true, SoftirqVec: 9, RcuCallback: callback);
    public static At Softirq(int cpu, int pid, string comm, int vec = 1) => new(cpu, pid, comm, ExecContext.SoftIrq, BhOff: true, SoftirqVec: vec);
    public static At HardIrq(int cpu, int pid, string comm) => new(cpu, pid, comm, ExecContext.HardIrq, IrqsOff: true);
}

/// <summary>
/// Test-only stand-in for the replay engine: builds one-row chunks by hand and feeds them, with the given context, to
/// the observers of an <see cref="AnalysisSet"/> in order. Line numbers count the events fed (1-based).
/// </summary>
public sealed class ObserverDriver
{
    readonly EventChunk _chunk = new(4);
    readonly NameTable _names = new();
    readonly TraceInfo _info;
    long _line;

    public ObserverDriver(string kernel = "", string name = "hand-built")
    {
        _info = new TraceInfo(name, name) { Kernel = kernel };
        Set = AnalysisSet.Create();
        foreach (var o in Set.Observers) o.Begin(_info, _names);
    }

    public AnalysisSet Set { get; }
    public NameTable Names => _names;

    /// <summary>A field: long → Int, ulong → Hex, string → Text.</summary>
    public static (string Key, object Value) F(string key, object value) => (key, value);

    public void Tracepoint(long ts, At at, string ev, params (string Key, object Value)[] fields) => Feed(ts, at, EventKind.Tracepoint, ev, fields);
    public void Function(long ts, At at, string fn, string parent)
        => Feed(ts, at, EventKind.Function, "function", [("ip", fn), ("parent_ip", parent)]);
    public void GraphEntry(long ts, At at, string fn) => Feed(ts, at, EventKind.GraphEntry, "funcgraph_entry", [("func", fn)]);
    public void GraphExit(long ts, At at, string fn, long durationNs)
        => Feed(ts, at, EventKind.GraphExit, "funcgraph_exit", [("func", fn), ("duration_ns", durationNs)]);
    public void GraphLeaf(long ts, At at, string fn, long durationNs)
        => Feed(ts, at, EventKind.GraphLeaf, "funcgraph_entry", [("func", fn), ("duration_ns", durationNs)]);
    public void Kprobe(long ts, At at, string fn, params (string Key, object Value)[] args)
        => Feed(ts, at, EventKind.Kprobe, "p_" + fn + "_0", [("probe_func", fn), .. args]);
    public void Kretprobe(long ts, At at, string fn, params (string Key, object Value)[] args)
        => Feed(ts, at, EventKind.Kretprobe, "r_" + fn + "_0", [("probe_func", fn), .. args]);

    public void LockAcquire(long ts, At at, string cls, ulong addr, bool trylock = false, bool read = false)
        => Tracepoint(ts, at, "lock_acquire", F("lockdep_addr", addr), F("flags", (long)((trylock ? 1 : 0) | (read ? 2 : 0))), F("name", cls));
    public void LockRelease(long ts, At at, string cls, ulong addr)
        => Tracepoint(ts, at, "lock_release", F("lockdep_addr", addr), F("name", cls));

    public void Feed(long ts, At at, EventKind kind, string ev, (string Key, object Value)[] fields)
    {
        _chunk.Clear();
        int row = _chunk.AddRow();
        _chunk.Seq[row] = _line;
        _chunk.Line[row] = ++_line;
        _chunk.TsNs[row] = ts;
        _chunk.Cpu[row] = at.Cpu;
        _chunk.Pid[row] = at.Pid;
        _chunk.Comm[row] = _names.Intern(at.Comm);
        _chunk.Event[row] = _names.Intern(ev);
        _chunk.Kind[row] = kind;
        foreach (var (key, value) in fields)
        {
            int k = _names.Intern(key);
            switch (value)
            {
                case string s:
                    _chunk.AddTextField(row, k, Encoding.UTF8.GetBytes(s));
                    break;
                case ulong u:
                    {
                        int start = _chunk.AppendText(Encoding.UTF8.GetBytes(u.ToString("x16")));
                        _chunk.AddField(row, k, FieldType.Hex, (long)u, start, 16);
                        break;
                    }
                case long l:
                    {
                        var text = Encoding.UTF8.GetBytes(l.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        int start = _chunk.AppendText(text);
                        _chunk.AddField(row, k, FieldType.Int, l, start, text.Length);
                        break;
                    }
                default:
                    throw new ArgumentException($"field {key}: unsupported value {value}");
            }
        }
        var view = new CpuContextView(at.Cpu, at.Context, at.IrqsOff, at.BhOff, 0, at.SoftirqVec, 0, at.Pid, _chunk.Comm[row],
            at.Work.Length == 0 ? 0 : _names.Intern(at.Work), 0, at.RcuCallback.Length == 0 ? 0 : _names.Intern(at.RcuCallback), false);
        foreach (var o in Set.Observers) o.OnEvent(_chunk, row, view);
    }

    public List<ReportTable> End()
    {
        var reports = new List<ReportTable>();
        foreach (var o in Set.Observers) o.End(reports);
        return reports;
    }
}

/// <summary>Reading report tables in tests.</summary>
public static class Reports
{
    public static ReportTable Table(this List<ReportTable> reports, string name) => reports.Single(r => r.Name == name);

    public static string? Str(this ReportTable t, string column, int row) => ((Column<string?>)t[column])[row];
    public static long? Long(this ReportTable t, string column, int row)
        => t[column].IsNull(row) ? null : ((Column<long>)t[column])[row];
    public static int? Int(this ReportTable t, string column, int row)
        => t[column].IsNull(row) ? null : ((Column<int>)t[column])[row];

    public static bool? Bool(this ReportTable t, string column, int row)
        => t[column].IsNull(row) ? null : ((Column<bool>)t[column])[row];

    public static IEnumerable<int> Rows(this ReportTable t) => Enumerable.Range(0, t.RowCount);
    public static IEnumerable<int> Where(this ReportTable t, string column, string value) => t.Rows().Where(r => t.Str(column, r) == value);
}
