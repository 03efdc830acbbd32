using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Output;

/// <summary>
/// Formats records as the 3.x tracefs `trace` file prints them and merges the per-CPU streams into one file in
/// timestamp order (ties: lowest CPU first, as the ring-buffer iterator does). The model emits each CPU's records in
/// time order; a record may be written once no CPU can still produce an earlier one (<see cref="Flush"/>), so memory
/// stays bounded by the model's look-ahead window, not by trace length.
/// </summary>
public sealed class TraceOutput
{
    readonly Stream? _stream;
    readonly SynthStyle _style;
    readonly CpuQueue[] _cpus;
    readonly int _cpuDigits;
    readonly long _bootNs;
    readonly byte[] _out = new byte[1 << 20];
    int _outLength;

    /// <param name="stream">null = counting pass: records are counted, nothing is formatted.</param>
    /// <param name="bootNs">Uptime at model time 0: printed timestamps are bootNs + model ns.</param>
    public TraceOutput(Stream? stream, SynthStyle style, int cpus, long bootNs = 0)
    {
        _bootNs = bootNs;
        _stream = stream;
        _style = style;
        _cpus = new CpuQueue[cpus];
        for (int i = 0; i < cpus; i++) _cpus[i] = new CpuQueue();
        _cpuDigits = (cpus - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
    }

    public bool Counting => _stream is null;
    public SynthStyle Style => _style;
    /// <summary>Ring-buffer entries produced (tracepoints, function entries/exits, kprobe hits).</summary>
    public long Entries { get; private set; }
    /// <summary>Text lines written, header included.</summary>
    public long Lines { get; private set; }

    public void CountOnly() => Entries++;

    public void WriteHeader(string tracer, long entries, int cpus)
    {
        var b = new ByteBuf();
        b.Add("# tracer: "u8); b.Add(System.Text.Encoding.ASCII.GetBytes(tracer)); b.Add("\n#\n"u8);
        if (_style == SynthStyle.FunctionGraph)
        {
            // funcgraph-abstime + funcgraph-cpu + funcgraph-proc + funcgraph-duration (3.x __print_graph_headers_flags)
            b.Add("#     TIME        CPU  TASK/PID         DURATION                  FUNCTION CALLS\n"u8);
            b.Add("#      |          |     |    |           |   |                     |   |   |   |\n"u8);
        }
        else
        {
            b.Add("# entries-in-buffer/entries-written: "u8); b.Dec(entries); b.Add((byte)'/'); b.Dec(entries);
            b.Add("   #P:"u8); b.Dec(cpus); b.Add("\n#\n"u8);
            b.Add("#                              _-----=> irqs-off\n"u8);
            b.Add("#                             / _----=> need-resched\n"u8);
            b.Add("#                            | / _---=> hardirq/softirq\n"u8);
            b.Add("#                            || / _--=> preempt-depth\n"u8);
            b.Add("#                            ||| /     delay\n"u8);
            b.Add("#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n"u8);
            b.Add("#              | |       |   ||||       |         |\n"u8);
        }
        foreach (byte c in b.Span) if (c == '\n') Lines++;
        _stream!.Write(b.Span);
    }

    // ---------------------------------------------------------------- records

    /// <summary>Starts a tracepoint record "name: " and returns the buffer to append the payload to; finish with <see cref="End"/>.</summary>
    public ByteBuf BeginEvent(int cpu, long ts, KTask task, Flags4 flags, ReadOnlySpan<byte> name)
    {
        Entries++;
        var q = _cpus[cpu];
        if (_style == SynthStyle.FunctionGraph) ResolvePending(q, cpu);
        var b = q.StartRecord();
        if (_style == SynthStyle.FunctionGraph)
        {
            GraphPrologue(q, b, cpu, ts, task);
            b.Add("              |  "u8);
            if (q.PrintedDepth > 0) b.Spaces((q.PrintedDepth + 1) * 2);
            b.Add("/* "u8);
            q.InComment = true;
        }
        else
            Prefix(b, cpu, ts, task, flags);
        b.Add(name);
        b.Add(": "u8);
        q.PendingTs = ts;
        return b;
    }

    /// <summary>Starts a record whose text is entirely caller-made (function tracer and kprobe lines, after the prefix).</summary>
    public ByteBuf BeginRaw(int cpu, long ts, KTask task, Flags4 flags)
    {
        Entries++;
        var q = _cpus[cpu];
        var b = q.StartRecord();
        Prefix(b, cpu, ts, task, flags);
        q.PendingTs = ts;
        return b;
    }

    public void End(int cpu)
    {
        var q = _cpus[cpu];
        var b = q.Buf;
        if (q.InComment) { b.Add(" */"u8); q.InComment = false; }
        b.Add((byte)'\n');
        q.Commit(q.PendingTs);
    }

    /// <summary>function_graph entry; printed as "f() {" or, when its return is the next record on this CPU, as a leaf "f();".</summary>
    public void GraphEntry(int cpu, long ts, KTask task, Sym func, int depth)
    {
        Entries++;
        var q = _cpus[cpu];
        ResolvePending(q, cpu);
        q.HasPending = true;
        q.PendTs = ts; q.PendTask = task; q.PendFunc = func; q.PendDepth = depth;
    }

    public void GraphExit(int cpu, long ts, KTask task, Sym func, int depth, long durationNs)
    {
        Entries++;
        var q = _cpus[cpu];
        if (q.HasPending && q.PendTask == task && q.PendFunc == func && q.PendDepth == depth)
        {
            // Leaf: one line at the entry's timestamp with the duration.
            q.HasPending = false;
            var b = q.StartRecord();
            GraphPrologue(q, b, cpu, q.PendTs, task);
            GraphDuration(b, durationNs);
            b.Spaces(depth * 2);
            b.Add(func.Utf8);
            b.Add("();\n"u8);
            q.PrintedDepth = depth - 1;
            q.Commit(q.PendTs);
            return;
        }
        ResolvePending(q, cpu);
        var r = q.StartRecord();
        GraphPrologue(q, r, cpu, ts, task);
        GraphDuration(r, durationNs);
        r.Spaces(depth * 2);
        r.Add("}\n"u8);
        q.PrintedDepth = depth - 1;
        q.Commit(ts);
    }

    void ResolvePending(CpuQueue q, int cpu)
    {
        if (!q.HasPending) return;
        q.HasPending = false;
        var b = q.StartRecord();
        GraphPrologue(q, b, cpu, q.PendTs, q.PendTask!);
        b.Add("              |  "u8);
        b.Spaces(q.PendDepth * 2);
        b.Add(q.PendFunc!.Utf8);
        b.Add("() {\n"u8);
        q.PrintedDepth = q.PendDepth;
        q.Commit(q.PendTs);
    }

    void Prefix(ByteBuf b, int cpu, long ts, KTask task, Flags4 flags)
    {
        // "%16s-%-5d [%03d] " + flags + " %5lu.%06lu: "  (3.x trace_output.c, irq-info on). Tasks never migrate,
        // so the comm/pid/cpu part is formatted once per task.
        task.PrefixCache ??= FormatTaskPrefix(task, cpu);
        b.Add(task.PrefixCache);
        flags.WriteTo(b);
        b.Add((byte)' ');
        Timestamp(b, ts);
        b.Add(": "u8);
    }

    static byte[] FormatTaskPrefix(KTask task, int cpu)
    {
        var p = new ByteBuf();
        p.Spaces(16 - task.CommUtf8.Length);
        p.Add(task.CommUtf8);
        p.Add((byte)'-');
        p.Dec(task.Pid, -5);
        p.Add(" ["u8);
        p.DecZero(cpu, 3);
        p.Add("] "u8);
        return p.Span.ToArray();
    }

    void Timestamp(ByteBuf b, long ts)
    {
        long us = (ts + _bootNs) / 1000;
        b.Dec(us / 1_000_000, 5);
        b.Add((byte)'.');
        b.DecZero(us % 1_000_000, 6);
    }

    void GraphPrologue(CpuQueue q, ByteBuf b, int cpu, long ts, KTask task)
    {
        if (q.LastPid != task.Pid)
        {
            if (q.LastPid != -1)
            {
                b.Add(" ------------------------------------------\n"u8);
                GraphCpu(b, cpu);
                GraphProc(b, q.LastComm!, q.LastPid);
                b.Add(" => "u8);
                GraphProc(b, task.GraphCommUtf8, task.Pid);
                b.Add("\n ------------------------------------------\n\n"u8);
                Lines += 4; // 3 extra lines + blank; the record's own line is counted on Push
            }
            q.LastPid = task.Pid;
            q.LastComm = task.GraphCommUtf8;
        }
        Timestamp(b, ts);
        b.Add(" |  "u8);
        GraphCpu(b, cpu);
        GraphProc(b, task.GraphCommUtf8, task.Pid);
        b.Add(" | "u8);
    }

    void GraphCpu(ByteBuf b, int cpu)
    {
        b.Add((byte)' ');
        b.Dec(cpu, _cpuDigits);
        b.Add(") "u8);
    }

    /// <summary>print_graph_proc: comm cut to 7 chars, "comm-pid" centred in 14 columns.</summary>
    internal static void GraphProc(ByteBuf b, byte[] comm7, int pid)
    {
        int pidLen = pid < 10 ? 1 : pid < 100 ? 2 : pid < 1000 ? 3 : pid < 10000 ? 4 : pid < 100000 ? 5 : 6;
        int len = comm7.Length + pidLen + 1;
        int spaces = len < 14 ? 14 - len : 0;
        b.Spaces(spaces / 2);
        b.Add(comm7);
        b.Add((byte)'-');
        b.Dec(pid);
        b.Spaces(spaces - spaces / 2);
    }

    /// <summary>print_graph_duration with funcgraph-overhead: "+ " over 10 us, "! " over 100 us, then "%lu.%03lu us " padded.</summary>
    internal static void GraphDuration(ByteBuf b, long ns)
    {
        if (ns > 100000) b.Add("! "u8);
        else if (ns > 10000) b.Add("+ "u8);
        else b.Add("  "u8);
        long usec = ns / 1000, rem = ns % 1000;
        int start = b.Length;
        b.Dec(usec);
        int len = b.Length - start;
        if (len < 7)
        {
            int digits = Math.Min(4, 8 - len) - 1; // snprintf(slen = min(5, 8 - len), "%03lu") keeps slen-1 chars
            b.Add((byte)'.');
            Span<byte> three = stackalloc byte[3];
            three[0] = (byte)('0' + rem / 100); three[1] = (byte)('0' + rem / 10 % 10); three[2] = (byte)('0' + rem % 10);
            digits = Math.Min(digits, 3);
            b.Add(three[..digits]);
            len += digits;
        }
        b.Add(" us "u8);
        b.Spaces(7 - len);
        b.Add("|  "u8);
    }

    // ---------------------------------------------------------------- merge

    /// <summary>Writes every queued record with ts &lt; watermark in global order.</summary>
    public void Flush(long watermark)
    {
        if (_stream is null) return;
        while (true)
        {
            int best = -1;
            long bestTs = long.MaxValue;
            bool blocked = false;
            for (int c = 0; c < _cpus.Length; c++)
            {
                var q = _cpus[c];
                if (q.Count > 0)
                {
                    if (q.HeadTs < bestTs) { best = c; bestTs = q.HeadTs; blocked = false; }
                }
                else if (q.HasPending && q.PendTs < bestTs)
                {
                    // An unresolved graph entry (leaf or nested is not known yet) holds back everything after it.
                    best = c; bestTs = q.PendTs; blocked = true;
                }
            }
            if (best < 0 || blocked || bestTs >= watermark) return;
            var qq = _cpus[best];
            Write(qq.PeekHead());
            qq.Pop();
        }
    }

    /// <summary>Writes everything, resolving open graph entries as nested.</summary>
    public void Finish()
    {
        if (_stream is null) return;
        for (int c = 0; c < _cpus.Length; c++) ResolvePending(_cpus[c], c);
        Flush(long.MaxValue);
        _stream.Write(_out, 0, _outLength);
        _outLength = 0;
    }

    void Write(ReadOnlySpan<byte> rec)
    {
        if (_outLength + rec.Length > _out.Length)
        {
            _stream!.Write(_out, 0, _outLength);
            _outLength = 0;
        }
        rec.CopyTo(_out.AsSpan(_outLength));
        _outLength += rec.Length;
        Lines++;
    }

    /// <summary>One CPU's ring buffer: records formatted in place, in time order, with (ts, length) per record.</summary>
    sealed class CpuQueue
    {
        public readonly ByteBuf Buf = new();
        int _head, _start;
        long[] _ts = new long[1024];
        int[] _len = new int[1024];
        int _mHead;
        public int Count;
        public long PendingTs;
        public bool InComment;
        // function_graph printing state (per CPU, as fgraph_cpu_data)
        public int LastPid = -1;
        public byte[]? LastComm;
        public int PrintedDepth;
        public bool HasPending;
        public long PendTs;
        public KTask? PendTask;
        public Sym? PendFunc;
        public int PendDepth;

        public long HeadTs => _ts[_mHead];

        /// <summary>Starts a record at the end of the buffer (compacting consumed bytes first) and returns the buffer.</summary>
        public ByteBuf StartRecord()
        {
            if (Count == 0) { _head = 0; Buf.Length = 0; }
            else if (_head > (1 << 16) && _head > Buf.Length / 2)
            {
                int live = Buf.Length - _head;
                Array.Copy(Buf.Data, _head, Buf.Data, 0, live);
                Buf.Length = live;
                _head = 0;
            }
            _start = Buf.Length;
            return Buf;
        }

        public void Commit(long ts)
        {
            if (Count == _ts.Length)
            {
                var nt = new long[_ts.Length * 2];
                var nl = new int[_ts.Length * 2];
                for (int i = 0; i < Count; i++)
                {
                    nt[i] = _ts[(_mHead + i) % _ts.Length];
                    nl[i] = _len[(_mHead + i) % _ts.Length];
                }
                _ts = nt; _len = nl; _mHead = 0;
            }
            int slot = (_mHead + Count) % _ts.Length;
            _ts[slot] = ts;
            _len[slot] = Buf.Length - _start;
            Count++;
        }

        public ReadOnlySpan<byte> PeekHead() => Buf.Data.AsSpan(_head, _len[_mHead]);

        public void Pop()
        {
            _head += _len[_mHead];
            _mHead = (_mHead + 1) % _ts.Length;
            Count--;
        }
    }
}
