using System.Text.Json;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output.Timeline;

/// <summary>
/// Writes one trace of an output folder as Chrome trace-event JSON (opens in Perfetto UI and chrome://tracing):
/// process 1 "CPUs" has one track per CPU with the replayed contexts (task, softirq, hardirq, NMI) as nested
/// complete ("X") events and the findings (unsafe_frees, lock_findings, anomalies) as instant events on their CPU;
/// process 2 "Work items" has one track per CPU with each work item's execution as an "X" event and its queueing
/// as an instant; process 3 "Lifetimes" holds each memcg/cgroup/cache/object lifetime as a nestable async span
/// ("b"/"e", id per lifetime) with a nested "dying" span from offline to free; findings without a CPU go to process 4. Timestamps are µs (the format's unit) with ns kept exactly as decimals.
/// Same folder and options give the same bytes.
/// </summary>
public static class TimelineExporter
{
    const int CpuProcess = 1, WorkProcess = 2, LifetimeProcess = 3, FindingsProcess = 4;

    public sealed record Counts(int Contexts, int WorkItems, int Lifetimes, int Findings);

    public static Counts Export(TimelineOptions options, Stream output)
    {
        var ev = new List<TimelineEvent>();
        long lo = options.FromNs ?? long.MinValue, hi = options.ToNs ?? long.MaxValue;
        long traceEnd = TraceEnd(options);
        var cpus = new SortedSet<int>();
        var workCpus = new SortedSet<int>();

        int contexts = 0, work = 0, lifetimes = 0, findings = 0;
        if (Read(options, "contexts") is { } ctx)
            for (int r = 0; r < ctx.RowCount; r++)
            {
                long? start = Cells.Int64(ctx, "start_ns", r), end = Cells.Int64(ctx, "end_ns", r);
                int? cpu = (int?)Cells.Int64(ctx, "cpu", r);
                if (start is not { } s || cpu is not { } c) continue;
                long e = Math.Max(end ?? s, s);
                if (e < lo || s > hi) continue;
                string kind = Cells.String(ctx, "kind", r) ?? "context";
                string? detail = Cells.String(ctx, "detail", r), comm = Cells.String(ctx, "comm", r);
                long? pid = Cells.Int64(ctx, "pid", r);
                string name = kind == "task" ? $"{comm ?? "?"} ({pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"})"
                    : string.IsNullOrEmpty(detail) ? kind : $"{kind} {detail}";
                var args = new List<(string, object?)> { ("kind", kind), ("detail", detail), ("pid", pid), ("comm", comm),
                    ("uncertain", Cells.Bool(ctx, "uncertain", r)), ("start_ns", s), ("end_ns", e) };
                ev.Add(TimelineEvent.Complete(CpuProcess, c, name, kind, Math.Max(s, lo), Math.Min(e, hi), KindDepth(kind), args));
                cpus.Add(c);
                contexts++;
            }

        if (Read(options, "work_items") is { } wi)
            for (int r = 0; r < wi.RowCount; r++)
            {
                string function = Cells.String(wi, "function", r) ?? "work";
                ulong? workPtr = Cells.UInt64(wi, "work", r);
                var args = new List<(string, object?)> { ("function", function), ("work", workPtr is { } w ? "0x" + w.ToString("x") : null),
                    ("workqueue", Cells.String(wi, "workqueue", r)), ("queued_ns", Cells.Int64(wi, "queued_ns", r)),
                    ("queued_cpu", Cells.Int64(wi, "queued_cpu", r)), ("queued_context", Cells.String(wi, "queued_context", r)),
                    ("queue_latency_ns", Cells.Int64(wi, "queue_latency_ns", r)), ("run_ns", Cells.Int64(wi, "run_ns", r)),
                    ("pid", Cells.Int64(wi, "pid", r)), ("comm", Cells.String(wi, "comm", r)) };
                bool any = false;
                if (Cells.Int64(wi, "queued_ns", r) is { } q && q >= lo && q <= hi && Cells.Int64(wi, "queued_cpu", r) is { } qc)
                {
                    ev.Add(TimelineEvent.Instant(WorkProcess, (int)qc, "queue " + function, "work_queue", q, "t", args));
                    workCpus.Add((int)qc);
                    any = true;
                }
                if (Cells.Int64(wi, "start_ns", r) is { } s && Cells.Int64(wi, "cpu", r) is { } c)
                {
                    long e = Math.Max(Cells.Int64(wi, "end_ns", r) ?? traceEnd, s);
                    if (e >= lo && s <= hi)
                    {
                        ev.Add(TimelineEvent.Complete(WorkProcess, (int)c, function, "work", Math.Max(s, lo), Math.Min(e, hi), 0, args));
                        workCpus.Add((int)c);
                        any = true;
                    }
                }
                if (any) work++;
            }

        if (Read(options, "lifetimes") is { } lt)
            for (int r = 0; r < lt.RowCount; r++)
            {
                string kind = Cells.String(lt, "kind", r) ?? "object", key = Cells.String(lt, "key", r) ?? r.ToString(System.Globalization.CultureInfo.InvariantCulture);
                long? created = Cells.Int64(lt, "created_ns", r), offlined = Cells.Int64(lt, "offlined_ns", r),
                    released = Cells.Int64(lt, "released_ns", r), freed = Cells.Int64(lt, "freed_ns", r);
                // A lifetime that began before the trace starts at its first known stage; one still open ends at the trace's end.
                long? begin = created ?? offlined ?? released ?? freed;
                if (begin is not { } b) continue;
                long end = Math.Max(freed ?? traceEnd, b);
                if (end < lo || b > hi) continue;
                string id = "lt" + r.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var args = new List<(string, object?)> { ("kind", kind), ("key", key), ("status", Cells.String(lt, "status", r)),
                    ("created_ns", created), ("offlined_ns", offlined), ("released_ns", released), ("freed_ns", freed),
                    ("free_cpu", Cells.Int64(lt, "free_cpu", r)), ("free_context", Cells.String(lt, "free_context", r)),
                    ("free_comm", Cells.String(lt, "free_comm", r)), ("free_function", Cells.String(lt, "free_function", r)) };
                TimelineEvent.Async(ev, LifetimeProcess, $"{kind} {key}", kind, id, Math.Max(b, lo), Math.Min(end, hi), 0, args);
                if ((offlined ?? released) is { } dying && dying <= hi)
                    TimelineEvent.Async(ev, LifetimeProcess, "dying", kind, id, Math.Clamp(dying, Math.Max(b, lo), Math.Min(end, hi)), Math.Min(end, hi), 1, []);
                lifetimes++;
            }

        findings += AddFindings(options, ev, cpus, lo, hi, "unsafe_frees", r => "unsafe free: " + r.S("rule"),
            ["rule", "context", "comm", "pid", "object_kind", "object_key", "lock_class", "conflict_ts_ns", "conflict_cpu", "conflict_context", "evidence", "line"]);
        findings += AddFindings(options, ev, cpus, lo, hi, "lock_findings", r => $"lock: {r.S("kind")} {r.S("lock_class")}",
            ["kind", "lock_class", "usage_from", "usage_to", "other_ts_ns", "other_cpu", "evidence"]);
        findings += AddFindings(options, ev, cpus, lo, hi, "anomalies", r => $"anomaly: {r.S("kind")} {r.S("object_key")}",
            ["kind", "object_kind", "object_key", "detail", "first_ns"]);

        TimelineEvent.Number(ev);
        ev.Sort(TimelineEvent.Order);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false, SkipValidation = false });
        json.WriteStartObject();
        json.WriteStartArray("traceEvents");
        WriteProcess(json, CpuProcess, "CPUs (replayed contexts)", cpus, "CPU ");
        WriteProcess(json, WorkProcess, "Work items (by CPU)", workCpus, "CPU ");
        WriteProcess(json, LifetimeProcess, "Lifetimes", [], "");
        if (ev.Any(e => e.Pid == FindingsProcess)) WriteProcess(json, FindingsProcess, "Findings without a CPU", [], "");
        foreach (var e in ev) e.Write(json);
        json.WriteEndArray();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartObject("otherData");
        json.WriteString("producer", "tracereplay export-timeline");
        json.WriteString("trace", options.Trace);
        if (options.FromNs is { } f) json.WriteNumber("from_ns", f);
        if (options.ToNs is { } t) json.WriteNumber("to_ns", t);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return new Counts(contexts, work, lifetimes, findings);
    }

    static int AddFindings(TimelineOptions options, List<TimelineEvent> ev, SortedSet<int> cpus, long lo, long hi,
        string table, Func<RowRef, string> name, string[] argColumns)
    {
        if (Read(options, table) is not { } t) return 0;
        int n = 0;
        for (int r = 0; r < t.RowCount; r++)
        {
            if (Cells.Int64(t, "ts_ns", r) is not { } ts || ts < lo || ts > hi) continue;
            var args = new List<(string, object?)> { ("report", table), ("ts_ns", ts) };
            foreach (var c in argColumns)
                args.Add((c, IsNumeric(c) ? Cells.Int64(t, c, r) : Cells.String(t, c, r)));
            if (Cells.Int64(t, "cpu", r) is { } cpu)
            {
                ev.Add(TimelineEvent.Instant(CpuProcess, (int)cpu, name(new RowRef(t, r)), table, ts, "t", args));
                cpus.Add((int)cpu);
            }
            else
                ev.Add(TimelineEvent.Instant(FindingsProcess, 0, name(new RowRef(t, r)), table, ts, "p", args));
            n++;
        }
        return n;
    }

    /// <summary>Columns whose names say they are numbers are written as JSON numbers, the rest as strings.</summary>
    static bool IsNumeric(string column)
        => column.EndsWith("_ns", StringComparison.Ordinal) || column.EndsWith("_cpu", StringComparison.Ordinal)
           || column is "pid" or "line" or "cpu";

    readonly record struct RowRef(ReportTable Table, int Row)
    {
        public string S(string column) => Cells.String(Table, column, Row) ?? "?";
    }

    static ReportTable? Read(TimelineOptions o, string table) => TraceTableReader.Read(o.OutputFolder, table, o.Trace);

    /// <summary>Where open spans end: the summary's last_ns for the trace, else the latest context end.</summary>
    static long TraceEnd(TimelineOptions o)
    {
        if (Read(o, "summary") is { RowCount: > 0 } s && Cells.Int64(s, "last_ns", 0) is { } last) return last;
        long end = 0;
        if (Read(o, "contexts") is { } c)
            for (int r = 0; r < c.RowCount; r++)
                end = Math.Max(end, Cells.Int64(c, "end_ns", r) ?? 0);
        return end;
    }

    /// <summary>Outer contexts first when two start together, so viewers nest them.</summary>
    static int KindDepth(string kind) => kind switch { "task" => 0, "softirq" => 1, "hardirq" => 2, "nmi" => 3, _ => 4 };

    static void WriteProcess(Utf8JsonWriter json, int pid, string name, IEnumerable<int> threads, string threadPrefix)
    {
        Meta(json, "process_name", pid, 0, "name", name);
        Meta(json, "process_sort_index", pid, 0, "sort_index", pid);
        foreach (int t in threads)
        {
            Meta(json, "thread_name", pid, t, "name", threadPrefix + t.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Meta(json, "thread_sort_index", pid, t, "sort_index", t);
        }
    }

    static void Meta(Utf8JsonWriter json, string what, int pid, int tid, string key, object value)
    {
        json.WriteStartObject();
        json.WriteString("name", what);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        if (value is int i) json.WriteNumber(key, i); else json.WriteString(key, (string)value);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
