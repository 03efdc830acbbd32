using TraceReplay.Core.Tables;

namespace TraceReplay.Ingest.ConsoleLog;

/// <summary>
/// The four report tables of console-log reports (column names and order are a contract):
/// lockdep_reports, lockdep_locks, lockdep_frames, lockdep_held_locks; each starts with the trace column and the
/// child tables refer to their report by its 0-based index.
/// </summary>
public static class ConsoleLogTables
{
    public static IReadOnlyList<ReportTable> Build(string traceName, IReadOnlyList<LockdepReport> reports)
    {
        var rt = new ReportTable("lockdep_reports");
        var rTrace = rt.String("trace");
        var source = rt.String("source");
        var line = rt.Int64("line");
        var kind = rt.String("kind");
        var title = rt.String("title");
        var kernel = rt.String("kernel");
        var task = rt.String("task");
        var pid = rt.Int32("pid");
        var hc = rt.Int32("hc");
        var sc = rt.Int32("sc");
        var he = rt.Int32("he");
        var se = rt.Int32("se");
        var usageFrom = rt.String("usage_from");
        var usageTo = rt.String("usage_to");
        var lockClass = rt.String("lock_class");
        var corrupted = rt.Bool("corrupted");

        var lt = new ReportTable("lockdep_locks");
        var lTrace = lt.String("trace");
        var lReport = lt.Int32("report");
        var role = lt.String("role");
        var cls = lt.String("class");
        var usage = lt.String("usage");
        var wait = lt.String("wait_type");
        var address = lt.UInt64("address");
        var atFunction = lt.String("at_function");

        var ft = new ReportTable("lockdep_frames");
        var fTrace = ft.String("trace");
        var fReport = ft.Int32("report");
        var section = ft.String("section");
        var depth = ft.Int32("depth");
        var function = ft.String("function");
        var offset = ft.Int64("offset");
        var size = ft.Int64("size");
        var module = ft.String("module");
        var unreliable = ft.Bool("unreliable");
        var marker = ft.String("context_marker");

        var ht = new ReportTable("lockdep_held_locks");
        var hTrace = ht.String("trace");
        var hReport = ht.Int32("report");
        var hTask = ht.String("task");
        var hPid = ht.Int32("pid");
        var index = ht.Int32("index");
        var hClass = ht.String("class");
        var hAddress = ht.UInt64("address");
        var hAt = ht.String("at_function");

        foreach (var r in reports)
        {
            rTrace.Append(traceName);
            source.Append(r.Source);
            line.Append(r.Line);
            kind.Append(r.KindName);
            title.Append(r.Title);
            kernel.Append(r.Kernel);
            task.Append(r.Task);
            Append(pid, r.Pid);
            Append(hc, r.HardirqContext);
            Append(sc, r.SoftirqContext);
            Append(he, r.HardirqsEnabled);
            Append(se, r.SoftirqsEnabled);
            usageFrom.Append(r.UsageFrom);
            usageTo.Append(r.UsageTo);
            lockClass.Append(r.LockClass);
            corrupted.Append(r.Corrupted);
            rt.EndRow();

            foreach (var l in r.Locks)
            {
                lTrace.Append(traceName);
                lReport.Append(r.Index);
                role.Append(l.Role);
                cls.Append(l.Class);
                usage.Append(l.Usage);
                wait.Append(l.WaitType);
                if (l.Address is { } a) address.Append(a); else address.AppendNull();
                atFunction.Append(l.AtFunction);
                lt.EndRow();
            }
            foreach (var f in r.Frames)
            {
                fTrace.Append(traceName);
                fReport.Append(r.Index);
                section.Append(f.Section);
                depth.Append(f.Depth);
                function.Append(f.Function);
                if (f.Offset is { } o) offset.Append(o); else offset.AppendNull();
                if (f.Size is { } s) size.Append(s); else size.AppendNull();
                module.Append(f.Module);
                unreliable.Append(f.Unreliable);
                marker.Append(f.ContextMarker);
                ft.EndRow();
            }
            foreach (var h in r.HeldLocks)
            {
                hTrace.Append(traceName);
                hReport.Append(r.Index);
                hTask.Append(h.Task);
                hPid.Append(h.Pid);
                index.Append(h.Index);
                hClass.Append(h.Class);
                if (h.Address is { } a) hAddress.Append(a); else hAddress.AppendNull();
                hAt.Append(h.AtFunction);
                ht.EndRow();
            }
        }
        return [rt, lt, ft, ht];
    }

    static void Append(Column<int> column, int? value)
    {
        if (value is { } v) column.Append(v); else column.AppendNull();
    }
}
