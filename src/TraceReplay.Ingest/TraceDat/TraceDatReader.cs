using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>
/// Streaming trace.dat (v6/v7, zstd/zlib) reader: per-CPU page cursors merged by timestamp as trace-cmd does
/// (strict &lt;, ties to the lower stream: top buffer first, CPUs ascending). Payloads are rendered like
/// `trace-cmd report` (print fmt + default plugins), fields follow CONTRACT.md, flags come from common_flags.
/// Unreadable sections/pages are reported to <see cref="Errors"/> with their file offset (Line 0); the rest is read.
/// </summary>
public sealed class TraceDatReader : IEventReader
{
    static readonly string[] NsClocks = ["local", "global", "uptime", "perf", "mono", "mono_raw", "boot", "tai", "tsc2nsec"];

    readonly Stream _file;
    readonly bool _ownsFile;
    readonly TraceDatMetadata? _meta;
    readonly EventDecoder?[] _decoders = new EventDecoder?[65536];
    readonly CommTable _comms;
    readonly RecordContext _ctx = new();
    readonly TextOut _out = new();
    readonly FieldSink _fields = new();
    readonly BprintRenderer _bprint = new();
    readonly List<CpuStream> _active = new();
    readonly long[] _flagCache = new long[65536];
    readonly int _lostEventId, _countKey, _commonTypeOffset = -1, _commonTypeSize, _commonFlagsOffset = -1, _commonPreemptOffset = -1, _commonPidOffset = -1;
    readonly bool _modernFlags;
    readonly HashSet<int> _unknownIds = new();
    readonly HashSet<int> _failedIds = new();
    long _recordOffset;
    long _seq;

    /// <summary>Opens a trace.dat file by path.</summary>
    public TraceDatReader(string path, TraceInfo info, NameTable? names = null)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess), info, names, ownsStream: true)
    {
    }

    /// <summary>Reads from a seekable stream (left open unless <paramref name="ownsStream"/>).</summary>
    public TraceDatReader(Stream stream, TraceInfo info, NameTable? names = null, bool ownsStream = false)
    {
        if (!stream.CanSeek)
            throw new ArgumentException("trace.dat needs a seekable stream", nameof(stream));
        _file = stream;
        _ownsFile = ownsStream;
        Info = info;
        Names = names ?? new NameTable();
        Errors = new IngestErrorLog(info.Name);
        Array.Fill(_flagCache, -1);
        _lostEventId = Names.Intern("lost_events");
        _countKey = Names.Intern("count");
        info.Format = TraceFormat.TraceDat;

        try
        {
            _meta = TraceDatContainer.Load(stream, Errors);
        }
        catch (IOException e)
        {
            Errors.Add(0, 0, "I/O error reading trace.dat metadata: " + e.Message);
        }
        _comms = new CommTable(_meta?.Cmdlines ?? [], Names);
        if (_meta is null)
            return;

        _ctx.Endian = new DatEndian(_meta.BigEndian);
        _ctx.LongSize = _meta.KernelLongSize;
        _ctx.Symbols = new KernelSymbols(_meta.Kallsyms, _meta.Printk);
        info.Variant = _meta.FileVersion == 6 ? "dat-v6" : _meta.Compression == "none" ? "dat-v7" : "dat-v7-" + _meta.Compression;
        info.HeaderCpus = _meta.Cpus;
        info.Clock = _meta.HasTsc2Nsec ? "tsc2nsec" : _meta.TraceClock;
        info.CounterClock = !_meta.HasTsc2Nsec && _meta.TraceClock.Length > 0 && Array.IndexOf(NsClocks, _meta.TraceClock) < 0;
        info.Kernel = KernelRelease(_meta.Uname);
        info.FlagsWidth = 5;
        _modernFlags = KernelAtLeast(info.Kernel, 6, 13);

        foreach (var text in _meta.FtraceFormats)
            AddFormat("ftrace", text);
        foreach (var (sys, text) in _meta.EventFormats)
            AddFormat(sys, text);
        var any = _decoders.FirstOrDefault(d => d is not null)?.Format;
        if (any is not null)
        {
            var t = any.Find("common_type");
            if (t is not null) { _commonTypeOffset = t.Offset; _commonTypeSize = t.Size; }
            _commonFlagsOffset = any.Find("common_flags")?.Offset ?? -1;
            _commonPreemptOffset = any.Find("common_preempt_count")?.Offset ?? -1;
            _commonPidOffset = any.Find("common_pid")?.Offset ?? -1;
        }
        else
            Errors.Add(0, 0, "no event formats could be read: events cannot be decoded");

        int index = 0;
        foreach (var buf in _meta.Buffers)
        {
            int pageSize = buf.PageSize > 0 ? buf.PageSize : _meta.PageSize;
            foreach (var cpu in buf.Cpus.OrderBy(c => c.Cpu))
            {
                if (cpu.Size <= 0)
                    continue;
                try
                {
                    var s = new CpuStream(index++, buf.Name, cpu.Cpu, stream, _ctx.Endian, _meta.KernelLongSize, pageSize, cpu,
                        buf.Compressed, _meta.Compression, Errors);
                    if (s.MoveNext())
                    {
                        s.Ts = Timestamp(s.RawTs);
                        _active.Add(s);
                    }
                }
                catch (IOException e)
                {
                    Errors.Add(0, cpu.Offset, $"cpu{cpu.Cpu}: I/O error: {e.Message}");
                }
            }
        }
    }

    public TraceInfo Info { get; }
    public NameTable Names { get; }
    public IngestErrorLog Errors { get; }
    /// <summary>The container metadata (null when the header was unreadable).</summary>
    public TraceDatMetadata? Metadata => _meta;

    /// <summary>
    /// False: rows get an empty payload and only their fields (the same texts and values), for consumers that never read
    /// the payload (analyze without the events table): the text around the fields is most of what rendering writes.
    /// Events whose fields depend on the payload text (bprint, unparsed formats, lost-event markers) keep it.
    /// </summary>
    public bool PayloadText { get; set; } = true;

    void AddFormat(string system, byte[] text)
    {
        var ev = EventFormatParser.Parse(system, text);
        if (ev is null || ev.Id is < 0 or > 65535)
        {
            Errors.Add(0, 0, $"event format in system '{system}' has no name/ID; its events cannot be decoded",
                IngestErrorLog.Excerpt(text));
            return;
        }
        _decoders[ev.Id] = EventDecoder.Create(ev, Names);
    }

    static string KernelRelease(string uname)
    {
        var parts = uname.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 ? parts[2] : "";
    }

    static bool KernelAtLeast(string release, int major, int minor)
    {
        var p = release.Split('.', '-');
        if (p.Length < 2 || !int.TryParse(p[0], out int a) || !int.TryParse(p[1], out int b))
            return true; // unknown: assume a current kernel
        return a > major || (a == major && b >= minor);
    }

    long Timestamp(ulong raw)
    {
        var m = _meta!;
        if (m.HasTsc2Nsec)
        {
            // mul_u64_u32_shr: 32x32 halves
            ulong lo = (raw & 0xffffffff) * m.TscMult, hi = (raw >> 32) * m.TscMult;
            int sh = (int)m.TscShift;
            raw = sh >= 64 ? 0 : (lo >> sh) + (sh >= 32 ? hi >> (sh - 32) : hi << (32 - sh));
        }
        return (long)raw + m.TsOffset;
    }

    public bool Read(EventChunk chunk)
    {
        chunk.Clear();
        // Render straight into the chunk's text arena (attached once per chunk: no per-record reference stores).
        _out.Attach(chunk.Text, chunk.TextLength);
        _fields.Chunk = chunk;
        try
        {
            Merge(chunk);
        }
        finally
        {
            chunk.Text = _out.Buffer;
            chunk.TextLength = _out.Length;
        }
        return chunk.Count > 0;
    }

    void Merge(EventChunk chunk)
    {
        while (chunk.Count < chunk.Capacity - 1 && _active.Count > 0)
        {
            // k-way merge: strict < so ties go to the lower stream index (list order)
            // (a linear scan: trace.dat files have a handful of CPU streams, a heap would not pay)
            int best = 0;
            long bestTs = _active[0].Ts;
            for (int i = 1; i < _active.Count; i++)
            {
                long ts = _active[i].Ts;
                if (ts < bestTs) { best = i; bestTs = ts; }
            }
            var s = _active[best];
            Emit(s, bestTs, chunk);
            bool more;
            try
            {
                more = s.MoveNext();
            }
            catch (IOException e)
            {
                Errors.Add(0, s.RecordFileOffset, $"cpu{s.Cpu}: I/O error: {e.Message}; rest of this CPU skipped");
                more = false;
            }
            if (more)
                s.Ts = Timestamp(s.RawTs);
            else
                _active.RemoveAt(best);
        }
    }

    void Emit(CpuStream s, long ts, EventChunk chunk)
    {
        if (s.LostBefore)
        {
            int l = chunk.AddRow();
            chunk.Seq[l] = _seq++;
            chunk.ByteOffset[l] = s.RecordFileOffset;
            chunk.TsNs[l] = ts;
            chunk.Cpu[l] = s.Cpu;
            chunk.Event[l] = _lostEventId;
            chunk.Kind[l] = EventKind.Lost;
            int p = _out.Length;
            if (s.LostCount >= 0) _out.Byte((byte)'[');
            int num = _out.Length;
            _out.Decimal(s.LostCount);
            int numLen = _out.Length - num;
            if (s.LostCount >= 0) _out.Bytes(" EVENTS DROPPED]"u8);
            int end = _out.Length;
            if (s.LostCount < 0) _out.Bytes("[EVENTS DROPPED]"u8); // count field text "-1" stays outside the payload
            chunk.PayloadStart[l] = s.LostCount >= 0 ? p : end;
            chunk.PayloadLength[l] = s.LostCount >= 0 ? end - p : _out.Length - end;
            chunk.AddField(l, _countKey, FieldType.Int, s.LostCount, num, numLen);
            Info.LostMarkers++;
            if (s.LostCount > 0) Info.LostEvents += s.LostCount;
        }

        var c = _ctx;
        _recordOffset = s.RecordFileOffset;
        if (!ReferenceEquals(c.Data, s.Data)) c.Data = s.Data; // a reference store costs a GC write barrier
        c.Start = s.RecordStart;
        c.Length = s.RecordLength;
        int type = _commonTypeOffset >= 0 && _commonTypeOffset + _commonTypeSize <= c.Length
            ? (int)c.Endian.Unsigned(c.Record[_commonTypeOffset..], _commonTypeSize) : -1;
        var d = type is >= 0 and < 65536 ? _decoders[type] : null;
        if (d is null)
        {
            if (_unknownIds.Add(type))
                Errors.Add(0, s.RecordFileOffset, $"cpu{s.Cpu}: record with unknown event id {type} (no format); such records are skipped");
            else
                Errors.Add(0, s.RecordFileOffset, $"cpu{s.Cpu}: record with unknown event id {type} skipped");
            return;
        }

        // every column is set below (AddRow's resets would be overwritten at once)
        int row = chunk.AddRowUnset();
        chunk.Seq[row] = _seq++;
        chunk.Line[row] = 0;
        chunk.ByteOffset[row] = s.RecordFileOffset;
        chunk.TsNs[row] = ts;
        chunk.Cpu[row] = s.Cpu;
        chunk.Tgid[row] = -1;
        int pid = _commonPidOffset >= 0 && _commonPidOffset + 4 <= c.Length ? (int)c.Endian.U32(c.Record[_commonPidOffset..]) : -1;
        chunk.Pid[row] = pid;
        chunk.Comm[row] = _comms.Resolve(pid);
        chunk.Event[row] = d.NameId;
        chunk.Kind[row] = d.Kind;
        if (_commonFlagsOffset >= 0 && _commonPreemptOffset >= 0 && c.Length > Math.Max(_commonFlagsOffset, _commonPreemptOffset))
            SetFlags(chunk, row, c.Data[c.Start + _commonFlagsOffset], c.Data[c.Start + _commonPreemptOffset]);
        else
            chunk.SetNoFlags(row);
        if (s.Cpu > Info.MaxCpuSeen) Info.MaxCpuSeen = s.Cpu;
        Info.Events++;

        // Fields point into the payload text.
        _fields.Row = row;
        int payloadStart = _out.Length, payloadEnd;
        if (!PayloadText && d.FieldsOnly)
        {
            int tail = RenderFields(d, c);
            // a newline ending the text after the last literal would have ended the payload (see below)
            if (_out.Length > tail && _out.Buffer[_out.Length - 1] == (byte)'\n')
                TrimFieldsPast(chunk, row, _out.Length - 1);
            payloadStart = payloadEnd = _out.Length;
        }
        else
        {
            Render(d, c);
            payloadEnd = _out.Length;
            // trace-cmd drops one trailing newline of the printed record (trace_marker strings)
            if (payloadEnd > payloadStart && _out.Buffer[payloadEnd - 1] == (byte)'\n')
                TrimFieldsPast(chunk, row, --payloadEnd);
        }
        foreach (var f in d.RawFields)
        {
            int st = _out.Length;
            var t = EventDecoder.WriteRaw(c, f, _out, out long v);
            chunk.AddField(row, f.Key, t, v, st, _out.Length - st);
        }
        if (d.Kind is EventKind.GraphExit or EventKind.Kprobe or EventKind.Kretprobe)
            AddDerivedFields(d, c, chunk, row);
        chunk.PayloadStart[row] = payloadStart;
        chunk.PayloadLength[row] = payloadEnd - payloadStart;
    }

    static void TrimFieldsPast(EventChunk chunk, int row, int end)
    {
        int f0 = chunk.FieldStart[row], fn = f0 + chunk.FieldCount[row];
        for (int f = f0; f < fn; f++)
            if (chunk.FieldTextStart[f] + chunk.FieldTextLength[f] > end)
                chunk.FieldTextLength[f] = Math.Max(0, end - chunk.FieldTextStart[f]);
    }

    /// <summary>The fields of a <see cref="EventDecoder.FieldsOnly"/> event without the payload; returns where the text that could end the payload begins.</summary>
    int RenderFields(EventDecoder d, RecordContext c)
    {
        switch (d.Plugin)
        {
            case RenderPlugin.SchedSwitch:
                RenderSchedSwitch(d, c, payload: false);
                return _out.Length; // ends with a pid or "]": never a newline
            case RenderPlugin.SchedWakeup:
                RenderSchedWakeup(d, c, payload: false);
                return _out.Length;
            default:
                return d.Print.RenderFields(c, _out, _fields); // the kmem plugin's "(call_site) " is no field
        }
    }

    void Render(EventDecoder d, RecordContext c)
    {
        switch (d.Plugin)
        {
            case RenderPlugin.SchedSwitch:
                RenderSchedSwitch(d, c, payload: true);
                return;
            case RenderPlugin.SchedWakeup:
                RenderSchedWakeup(d, c, payload: true);
                return;
            case RenderPlugin.Bprint:
                _bprint.Render(c, d.Ip!, d.Fmt!, d.Buf!, d.Ip!.Key, d.Buf!.Key, _out, _fields);
                return;
            case RenderPlugin.KmemCallSite:
                {
                    ulong site = c.Read(d.CallSite!);
                    var text = c.Symbols.NameWithOffset(site, out bool offsetFitsInt);
                    if (text is not null && offsetFitsInt)
                    {
                        // same text as %pS (the plugin prints the offset as an int)
                        _out.Byte((byte)'(');
                        _out.Bytes(text);
                        _out.Byte((byte)')');
                        _out.Byte((byte)' ');
                    }
                    else if (text is not null)
                    {
                        int idx = c.Symbols.Find(site);
                        _out.Byte((byte)'(');
                        _out.Bytes(c.Symbols.Name(idx));
                        _out.Bytes("+0x"u8);
                        _out.Hex((uint)(int)(site - c.Symbols.Address(idx)));
                        _out.Bytes(") "u8);
                    }
                    break;
                }
        }
        if (d.Print.Failure.Length > 0)
        {
            if (_failedIds.Add(d.Format.Id))
                Errors.Add(0, _recordOffset, $"print fmt of {EventDecoder.Describe(d.Format)} not understood ({d.Print.Failure}); its events print as [FAILED TO PARSE] + raw fields");
            _out.Bytes("[FAILED TO PARSE]"u8);
            foreach (var f in d.Format.Fields)
            {
                if (f.IsCommon) continue;
                _out.Byte((byte)' ');
                _out.Bytes(Names.Utf8(f.Key));
                _out.Byte((byte)'=');
                int st = _out.Length;
                var t = EventDecoder.WriteRaw(c, f, _out, out long v);
                _fields.Add(f.Key, t, v, st, _out.Length - st);
            }
            return;
        }
        d.Print.Render(c, _out, _fields);
    }

    /// <summary>CONTRACT.md fields of non-tracepoint rows: funcgraph duration_ns, kprobe probe_func/probe_ip, kretprobe probe_func/ret_ip.</summary>
    void AddDerivedFields(EventDecoder d, RecordContext c, EventChunk chunk, int row)
    {
        var f = d.Format;
        if (d.Kind == EventKind.GraphExit)
        {
            if (f.Find("calltime") is { } call && f.Find("rettime") is { } ret)
            {
                long ns = (long)(c.Read(ret) - c.Read(call));
                int st = _out.Length;
                _out.Decimal(ns);
                chunk.AddField(row, Names.Intern("duration_ns"), FieldType.Int, ns, st, _out.Length - st);
            }
            return;
        }
        var ipField = f.Find(d.Kind == EventKind.Kprobe ? "__probe_ip" : "__probe_func");
        if (ipField is not null)
        {
            ulong ip = c.Read(ipField);
            int idx = c.Symbols.Find(ip);
            if (idx >= 0)
            {
                int st = _out.Length;
                _out.Bytes(c.Symbols.Name(idx));
                chunk.AddField(row, Names.Intern("probe_func"), FieldType.Text, 0, st, _out.Length - st);
                if (d.Kind == EventKind.Kprobe)
                {
                    st = _out.Length;
                    _out.Bytes(c.Symbols.Name(idx));
                    _out.Bytes("+0x"u8);
                    _out.Hex(ip - c.Symbols.Address(idx));
                    _out.Bytes("/0x"u8);
                    _out.Hex(c.Symbols.Size(idx));
                    chunk.AddField(row, Names.Intern("probe_ip"), FieldType.Text, 0, st, _out.Length - st);
                }
            }
        }
        if (d.Kind == EventKind.Kretprobe && f.Find("__probe_ret_ip") is { } retField)
        {
            int st = _out.Length;
            PrintFormat.WriteSymbol(c, _out, c.Read(retField), withOffset: true);
            chunk.AddField(row, Names.Intern("ret_ip"), FieldType.Text, 0, st, _out.Length - st);
        }
    }

    void CommField(RecordContext c, FormatField f, int pid)
    {
        var comm = RecordContext.CString(c.ArrayBytes(f));
        int st = _out.Length;
        _out.Bytes(comm);
        _fields.Add(f.Key, FieldType.Text, 0, st, comm.Length);
        _comms.Register(pid, comm);
    }

    void IntField(FormatField f, long v)
    {
        int st = _out.Length;
        _out.Decimal(v);
        _fields.Add(f.Key, FieldType.Int, v, st, _out.Length - st);
    }

    /// <summary>plugin_sched_switch: "prev_comm:prev_pid [prev_prio] STATE ==> next_comm:next_pid [next_prio]".</summary>
    void RenderSchedSwitch(EventDecoder d, RecordContext c, bool payload)
    {
        long prevPid = EventDecoder.Signed(c, d.PrevPid!);
        if (d.PrevComm is not null) { CommField(c, d.PrevComm, (int)prevPid); if (payload) _out.Byte((byte)':'); }
        IntField(d.PrevPid!, prevPid);
        if (payload) _out.Byte((byte)' ');
        if (d.PrevPrio is not null)
        {
            if (payload) _out.Byte((byte)'[');
            IntField(d.PrevPrio, (int)EventDecoder.Signed(c, d.PrevPrio));
            if (payload) _out.Bytes("] "u8);
        }
        if (d.PrevState is not null)
        {
            ulong state = c.Read(d.PrevState);
            int st = _out.Length;
            bool found = false;
            for (int i = 0; i < 8; i++)
            {
                if ((state & (1UL << i)) == 0) continue;
                if (found) _out.Byte((byte)'|');
                found = true;
                _out.Byte((byte)"SDTtZXxW"[i]);
            }
            if (!found) _out.Byte((byte)'R');
            _fields.Add(d.PrevState.Key, FieldType.Text, 0, st, _out.Length - st);
        }
        if (payload) _out.Bytes(" ==> "u8);
        long nextPid = d.NextPid is null ? 0 : EventDecoder.Signed(c, d.NextPid);
        if (d.NextComm is not null) { CommField(c, d.NextComm, (int)nextPid); if (payload) _out.Byte((byte)':'); }
        if (d.NextPid is not null) IntField(d.NextPid, nextPid);
        if (d.NextPrio is not null)
        {
            if (payload) _out.Bytes(" ["u8);
            IntField(d.NextPrio, (int)EventDecoder.Signed(c, d.NextPrio));
            if (payload) _out.Byte((byte)']');
        }
    }

    /// <summary>plugin_sched_switch wakeup: "comm:pid [prio] success=N CPU:%03llu".</summary>
    void RenderSchedWakeup(EventDecoder d, RecordContext c, bool payload)
    {
        long pid = EventDecoder.Signed(c, d.Pid!);
        if (d.Comm is not null) { CommField(c, d.Comm, (int)pid); if (payload) _out.Byte((byte)':'); }
        IntField(d.Pid!, pid);
        if (d.Prio is not null)
        {
            if (payload) _out.Bytes(" ["u8);
            IntField(d.Prio, EventDecoder.Signed(c, d.Prio));
            if (payload) _out.Byte((byte)']');
        }
        if (d.Success is not null)
        {
            if (payload) _out.Bytes(" success="u8);
            IntField(d.Success, EventDecoder.Signed(c, d.Success));
        }
        if (d.TargetCpu is not null)
        {
            if (payload) _out.Bytes(" CPU:"u8);
            long v = EventDecoder.Signed(c, d.TargetCpu);
            int st = _out.Length;
            _out.Integer(v, false, 'u', PrintfFlags.Zero, 3, -1);
            _fields.Add(d.TargetCpu.Key, FieldType.Int, v, st, _out.Length - st);
        }
    }

    /// <summary>Flags text as trace-cmd -l prints it (libtraceevent 1.7.1) plus the decoded context columns (kernel semantics).</summary>
    void SetFlags(EventChunk chunk, int row, byte flags, byte preempt)
    {
        int key = flags << 8 | preempt;
        long cached = _flagCache[key];
        if (cached < 0)
        {
            Span<byte> t = stackalloc byte[5];
            t[0] = (flags & 0x01) != 0 ? (byte)'d' : (flags & 0x02) != 0 ? (byte)'X' : (byte)'.';
            t[1] = (flags & 0x04) != 0 ? (byte)'N' : (byte)'.';
            t[2] = (flags & 0x18) == 0x18 ? (byte)'H' : (flags & 0x08) != 0 ? (byte)'h' : (flags & 0x10) != 0 ? (byte)'s' : (byte)'.';
            t[3] = (preempt & 0xf) == 0 ? (byte)'.' : (byte)"0123456789abcdef"[preempt & 0xf];
            t[4] = (preempt & 0xf0) == 0 ? (byte)'.' : (byte)"0123456789abcdef"[preempt >> 4];
            int textId = Names.Intern(t);

            var ctx = ContextBits.Known;
            if ((flags & 0x01) != 0) ctx |= ContextBits.IrqsOff;
            if ((flags & 0x80) != 0) ctx |= ContextBits.BhOff;
            if ((flags & 0x08) != 0) ctx |= ContextBits.HardIrq;
            if ((flags & 0x10) != 0) ctx |= ContextBits.SoftIrq;
            if ((flags & 0x40) != 0) ctx |= ContextBits.Nmi;
            if (!_modernFlags && (flags & 0x02) != 0) ctx |= ContextBits.IrqsNotSupported;
            bool need = (flags & 0x04) != 0, pre = (flags & 0x20) != 0, lazy = _modernFlags && (flags & 0x02) != 0;
            byte letter = (need, pre, lazy) switch
            {
                (true, true, true) => (byte)'B',
                (true, true, false) => (byte)'N',
                (true, false, true) => (byte)'b',
                (false, true, true) => (byte)'L',
                (true, false, false) => (byte)'n',
                (false, true, false) => (byte)'p',
                (false, false, true) => (byte)'l',
                _ => 0,
            };
            cached = (long)textId << 24 | (long)ctx << 16 | (long)letter << 8 | preempt;
            _flagCache[key] = cached;
        }
        chunk.Flags[row] = (int)(cached >> 24);
        chunk.Context[row] = (ContextBits)(byte)(cached >> 16);
        chunk.NeedResched[row] = (byte)(cached >> 8);
        chunk.PreemptDepth[row] = (sbyte)(preempt & 0xf);
        chunk.MigrateDisable[row] = (sbyte)(preempt >> 4);
    }

    public void Dispose()
    {
        if (_ownsFile)
            _file.Dispose();
    }
}
