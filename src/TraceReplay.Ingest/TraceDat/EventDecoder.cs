using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>Which libtraceevent plugin (loaded by default in trace-cmd report) renders an event.</summary>
public enum RenderPlugin : byte
{
    None,
    SchedSwitch,
    SchedWakeup,
    /// <summary>kmem plugin: "(call_site sym+0xoff) " before the normal print fmt.</summary>
    KmemCallSite,
    /// <summary>ftrace:bprint: format from printk_formats, args packed in buf.</summary>
    Bprint,
}

/// <summary>Per-event-id decoding state: format, compiled print fmt, interned names, plugin.</summary>
public sealed class EventDecoder
{
    public required EventFormat Format { get; init; }
    public required PrintFormat Print { get; init; }
    public int NameId { get; init; }
    public EventKind Kind { get; init; }
    public RenderPlugin Plugin { get; init; }
    public FormatField? CallSite { get; init; }
    /// <summary>Non-common fields not filled by the print fmt (emitted raw after the payload's fields).</summary>
    public required FormatField[] RawFields { get; init; }
    /// <summary>The fields can be rendered without the payload text and come out the same (see PrintFormat.FieldsOnlyExact).</summary>
    public bool FieldsOnly { get; init; }

    // sched plugin fields
    public FormatField? PrevComm, PrevPid, PrevPrio, PrevState, NextComm, NextPid, NextPrio;
    public FormatField? Comm, Pid, Prio, Success, TargetCpu;
    // ftrace:bprint fields
    public FormatField? Ip, Fmt, Buf;

    public static EventDecoder Create(EventFormat ev, NameTable names)
    {
        var print = PrintFormat.Compile(ev, names.Intern);
        var plugin = RenderPlugin.None;
        if (ev.System == "sched" && ev.Name == "sched_switch" && ev.Find("prev_pid") is not null && ev.Find("next_pid") is not null)
            plugin = RenderPlugin.SchedSwitch;
        else if (ev.System == "sched" && ev.Name is "sched_wakeup" or "sched_wakeup_new" && ev.Find("pid") is not null)
            plugin = RenderPlugin.SchedWakeup;
        else if (ev.System == "kmem" && ev.Name is "kmalloc" or "kmalloc_node" or "kfree" or "kmem_cache_alloc" or "kmem_cache_alloc_node" or "kmem_cache_free"
                 && ev.Find("call_site") is not null)
            plugin = RenderPlugin.KmemCallSite;

        if (ev.System == "ftrace" && ev.Name == "bprint" && ev.Find("ip") is not null && ev.Find("fmt") is not null && ev.Find("buf") is not null)
            plugin = RenderPlugin.Bprint;
        string name = ev.Name;
        var kind = EventKind.Tracepoint;
        if (ev.System == "ftrace")
        {
            switch (ev.Name)
            {
                case "print" or "bprint" or "bputs":
                    kind = EventKind.Print;
                    name = "print";
                    break;
                case "function":
                    kind = EventKind.Function;
                    break;
                case "funcgraph_entry":
                    kind = EventKind.GraphEntry;
                    break;
                case "funcgraph_exit":
                    kind = EventKind.GraphExit;
                    break;
            }
        }
        else if (ev.System == "kprobes")
            kind = ev.Find("__probe_ret_ip") is not null ? EventKind.Kretprobe : EventKind.Kprobe;

        bool pluginCoversAll = plugin is RenderPlugin.SchedSwitch or RenderPlugin.SchedWakeup or RenderPlugin.Bprint;
        var raw = new List<FormatField>();
        foreach (var f in ev.Fields)
        {
            f.Key = names.Intern(f.Name);
            // a failed print fmt already prints every field raw
            if (!f.IsCommon && !pluginCoversAll && print.Failure.Length == 0 && !print.Covered[f.Index])
                raw.Add(f);
        }
        return new EventDecoder
        {
            Format = ev,
            Print = print,
            NameId = names.Intern(name),
            Kind = kind,
            Plugin = plugin,
            CallSite = ev.Find("call_site"),
            RawFields = raw.ToArray(),
            // bprint's text is its buf field: nothing to skip
            FieldsOnly = plugin is RenderPlugin.SchedSwitch or RenderPlugin.SchedWakeup
                         || (plugin is RenderPlugin.None or RenderPlugin.KmemCallSite && print.Failure.Length == 0 && print.FieldsOnlyExact),
            PrevComm = ev.Find("prev_comm"), PrevPid = ev.Find("prev_pid"), PrevPrio = ev.Find("prev_prio"), PrevState = ev.Find("prev_state"),
            NextComm = ev.Find("next_comm"), NextPid = ev.Find("next_pid"), NextPrio = ev.Find("next_prio"),
            Comm = ev.Find("comm"), Pid = ev.Find("pid"), Prio = ev.Find("prio"), Success = ev.Find("success"), TargetCpu = ev.Find("target_cpu"),
            Ip = ev.Find("ip"), Fmt = ev.Find("fmt"), Buf = ev.Find("buf"),
        };
    }

    /// <summary>Signed value of a field by its size and signedness.</summary>
    public static long Signed(RecordContext c, FormatField f)
    {
        ulong v = c.Read(f);
        if (!f.Signed) return (long)v;
        return f.Size switch { 1 => (sbyte)v, 2 => (short)v, 4 => (int)v, _ => (long)v };
    }

    /// <summary>Raw rendering of one field (libtraceevent print_field_raw subset), for fields the print fmt does not show.</summary>
    public static FieldType WriteRaw(RecordContext c, FormatField f, TextOut o, out long value)
    {
        value = 0;
        if (f.IsArray)
        {
            var b = c.ArrayBytes(f);
            if (f.IsString)
            {
                o.Bytes(RecordContext.CString(b));
                return FieldType.Text;
            }
            o.Bytes("ARRAY["u8);
            for (int i = 0; i < b.Length; i++)
            {
                if (i > 0) o.Bytes(", "u8);
                o.Byte((byte)"0123456789abcdef"[b[i] >> 4]);
                o.Byte((byte)"0123456789abcdef"[b[i] & 0xf]);
            }
            o.Byte((byte)']');
            return FieldType.Text;
        }
        ulong v = c.Read(f);
        if (f.IsPointer || (!f.Signed && f.IsLong))
        {
            value = (long)v;
            o.Bytes("0x"u8);
            o.Hex(v);
            return FieldType.Hex;
        }
        value = Signed(c, f);
        o.Decimal(value);
        return FieldType.Int;
    }

    public static string Describe(EventFormat ev) => $"{ev.System}:{ev.Name} (id {ev.Id})";
}

/// <summary>pid → comm as trace-cmd resolves it: saved_cmdlines, plus comms registered by the sched plugins while printing.</summary>
public sealed class CommTable
{
    readonly Dictionary<int, int> _comm = new();
    readonly NameTable _names;

    public CommTable(ReadOnlySpan<byte> cmdlines, NameTable names)
    {
        _names = names;
        Idle = names.Intern("<idle>");
        Unknown = names.Intern("<...>");
        while (cmdlines.Length > 0)
        {
            int nl = cmdlines.IndexOf((byte)'\n');
            var line = nl < 0 ? cmdlines : cmdlines[..nl];
            cmdlines = nl < 0 ? default : cmdlines[(nl + 1)..];
            int sp = line.IndexOf((byte)' ');
            if (sp <= 0 || !int.TryParse(Encoding.ASCII.GetString(line[..sp]), out int pid))
                continue;
            _comm[pid] = names.Intern(line[(sp + 1)..]);
        }
    }

    public int Idle { get; }
    public int Unknown { get; }

    // Direct-mapped cache of recent lookups: a few pids make most records, and the dictionary probe showed in profiles.
    const int CacheSize = 256;
    readonly long[] _cachePid = NewCache(); // long: the empty mark is no pid
    readonly int[] _cacheId = new int[CacheSize];

    static long[] NewCache()
    {
        var a = new long[CacheSize];
        Array.Fill(a, long.MinValue);
        return a;
    }

    public int Resolve(int pid)
    {
        if (pid == 0) return Idle;
        int slot = pid & (CacheSize - 1);
        if (_cachePid[slot] == pid) return _cacheId[slot];
        int id = _comm.TryGetValue(pid, out int known) ? known : Unknown;
        _cachePid[slot] = pid;
        _cacheId[slot] = id;
        return id;
    }

    /// <summary>write_and_save_comm: remember the comm printed for a pid not yet known.</summary>
    public void Register(int pid, ReadOnlySpan<byte> comm)
    {
        if (!_comm.ContainsKey(pid))
        {
            _comm[pid] = _names.Intern(comm);
            _cachePid[pid & (CacheSize - 1)] = long.MinValue; // it resolved to "<...>" until now
        }
    }
}
