using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Ftrace;

// The text after "ts: ": "name: payload" for tracepoints, "func <-parent" (function tracer), "<stack trace>",
// kprobe "(sym+0x0/0x1a0) args", kretprobe "(ret+0x1b/0x30 <- func)", syscall tracer "sys_x(a: 1)" / "sys_x -> 0x0".
public sealed partial class FtraceTextReader
{
    int _idLostEvents, _idFunction, _idPrint, _idKernelStack, _idUserStack, _idTracingMarkWrite, _idBprint, _idBputs;
    int _idSchedSwitch, _idRcuUtilization, _idRcuBarrier, _idRcuGracePeriod, _idLockAcquire, _idLockRelease, _idLockContended,
        _idLockAcquired, _idWqQueue, _idWqActivate, _idWqStart, _idWqEnd, _idContentionBegin, _idContentionEnd,
        _idFuncgraphEntry, _idFuncgraphExit, _idFuncgraphSwitch, _idSysEnter, _idSysExit;
    int _keyCount, _keyIp, _keyParentIp, _keyBuf, _keyStack, _keyParentSeq, _keyProbeFunc, _keyProbeIp, _keyRetIp, _keyS,
        _keyRcuName, _keyCpu, _keyCnt, _keyDone, _keyGpSeq, _keyGpEvent, _keyLockdepAddr, _keyFlags, _keyName, _keyWork,
        _keyFunction, _keyLockAddr, _keyRet, _keyFunc, _keyDepth, _keyDurationNs, _keyPrevComm, _keyPrevPid, _keyPrevPrio,
        _keyPrevState, _keyNextComm, _keyNextPid, _keyNextPrio, _keyId, _keyArgs;
    /// <summary>Event ids whose payload starts with an RCU flavour name before key=value pairs.</summary>
    readonly HashSet<int> _rcuNamedEvents = new();

    void InitNames()
    {
        _idLostEvents = Names.Intern("lost_events");
        _idFunction = Names.Intern("function");
        _idPrint = Names.Intern("print");
        _idKernelStack = Names.Intern("kernel_stack");
        _idUserStack = Names.Intern("user_stack");
        _idTracingMarkWrite = Names.Intern("tracing_mark_write");
        _idBprint = Names.Intern("bprint");
        _idBputs = Names.Intern("bputs");
        _idSchedSwitch = Names.Intern("sched_switch");
        _idRcuUtilization = Names.Intern("rcu_utilization");
        _idRcuBarrier = Names.Intern("rcu_barrier");
        _idRcuGracePeriod = Names.Intern("rcu_grace_period");
        _idLockAcquire = Names.Intern("lock_acquire");
        _idLockRelease = Names.Intern("lock_release");
        _idLockContended = Names.Intern("lock_contended");
        _idLockAcquired = Names.Intern("lock_acquired");
        _idWqQueue = Names.Intern("workqueue_queue_work");
        _idWqActivate = Names.Intern("workqueue_activate_work");
        _idWqStart = Names.Intern("workqueue_execute_start");
        _idWqEnd = Names.Intern("workqueue_execute_end");
        _idContentionBegin = Names.Intern("contention_begin");
        _idContentionEnd = Names.Intern("contention_end");
        _idFuncgraphEntry = Names.Intern("funcgraph_entry");
        _idFuncgraphExit = Names.Intern("funcgraph_exit");
        _idFuncgraphSwitch = Names.Intern("funcgraph_switch");
        _idSysEnter = Names.Intern("sys_enter");
        _idSysExit = Names.Intern("sys_exit");
        foreach (var e in new[] { "rcu_callback", "rcu_invoke_callback", "rcu_batch_start", "rcu_batch_end", "rcu_kfree_callback",
                     "rcu_kvfree_callback", "rcu_invoke_kfree_callback", "rcu_invoke_kvfree_callback", "rcu_invoke_kfree_bulk_callback" })
            _rcuNamedEvents.Add(Names.Intern(e));

        _keyCount = Names.Intern("count");
        _keyIp = Names.Intern("ip");
        _keyParentIp = Names.Intern("parent_ip");
        _keyBuf = Names.Intern("buf");
        _keyStack = Names.Intern("stack");
        _keyParentSeq = Names.Intern("parent_seq");
        _keyProbeFunc = Names.Intern("probe_func");
        _keyProbeIp = Names.Intern("probe_ip");
        _keyRetIp = Names.Intern("ret_ip");
        _keyS = Names.Intern("s");
        _keyRcuName = Names.Intern("rcuname");
        _keyCpu = Names.Intern("cpu");
        _keyCnt = Names.Intern("cnt");
        _keyDone = Names.Intern("done");
        _keyGpSeq = Names.Intern("gp_seq");
        _keyGpEvent = Names.Intern("gpevent");
        _keyLockdepAddr = Names.Intern("lockdep_addr");
        _keyFlags = Names.Intern("flags");
        _keyName = Names.Intern("name");
        _keyWork = Names.Intern("work");
        _keyFunction = Names.Intern("function");
        _keyLockAddr = Names.Intern("lock_addr");
        _keyRet = Names.Intern("ret");
        _keyFunc = Names.Intern("func");
        _keyDepth = Names.Intern("depth");
        _keyDurationNs = Names.Intern("duration_ns");
        _keyPrevComm = Names.Intern("prev_comm");
        _keyPrevPid = Names.Intern("prev_pid");
        _keyPrevPrio = Names.Intern("prev_prio");
        _keyPrevState = Names.Intern("prev_state");
        _keyNextComm = Names.Intern("next_comm");
        _keyNextPid = Names.Intern("next_pid");
        _keyNextPrio = Names.Intern("next_prio");
        _keyId = Names.Intern("id");
        _keyArgs = Names.Intern("args");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void FillBody(EventChunk chunk, int row, ReadOnlySpan<byte> rest)
    {
        // "name:" — up to the first ':' with no space or '(' before it, followed by a space or the end
        int i = NameEnd(rest);
        if (i > 0 && i < rest.Length && rest[i] == ':' && (i + 1 == rest.Length || rest[i + 1] == ' '))
        {
            var name = rest[..i];
            var payload = rest[(i + 1)..].TrimStart((byte)' ');
            int id = _intern.Id(name);
            chunk.Event[row] = id;
            if (id == _idTracingMarkWrite)
            {
                // kernel text prints ftrace:print as "ip_symbol: text"; keep "ip: buf" as the payload
                OpenRow(chunk, row, _idPrint, EventKind.Print, rest);
                return;
            }
            if (id == _idPrint || id == _idBprint || id == _idBputs)
            {
                OpenRow(chunk, row, _idPrint, EventKind.Print, payload);
                return;
            }
            if (id == _idKernelStack || id == _idUserStack)
            {
                OpenRow(chunk, row, id, EventKind.Stack, payload);
                return;
            }
            if (payload.Length > 0 && payload[0] == '(')
            {
                int close = payload.IndexOf((byte)')');
                if (close > 0)
                {
                    var inner = payload[1..close];
                    if (inner.IndexOf(" <- "u8) > 0)
                    {
                        OpenRow(chunk, row, id, EventKind.Kretprobe, payload);
                        return;
                    }
                    if (inner.IndexOf("/0x"u8) > 0)
                    {
                        OpenRow(chunk, row, id, EventKind.Kprobe, payload);
                        return;
                    }
                }
            }
            OpenRow(chunk, row, id, EventKind.Tracepoint, payload);
            return;
        }
        if (rest.StartsWith("<stack trace>"u8))
        {
            OpenRow(chunk, row, _idKernelStack, EventKind.Stack, rest);
            return;
        }
        if (rest.StartsWith("<user stack trace>"u8))
        {
            OpenRow(chunk, row, _idUserStack, EventKind.Stack, rest);
            return;
        }
        int arrow = rest.IndexOf(" <-"u8);
        if (arrow > 0 && IsFunctionCall(rest[..arrow]))
        {
            AddFunctionRow(chunk, row, rest, arrow);
            return;
        }
        if (i == rest.Length && i > 0)
        {
            AddFunctionRow(chunk, row, rest, -1); // function tracer without print-parent
            return;
        }
        if (TryAddSyscallRow(chunk, row, rest))
            return;
        // an event form we do not know: keep it, named by its first word
        int sp = rest.IndexOf((byte)' ');
        var first = sp < 0 ? rest : rest[..sp];
        chunk.Event[row] = _intern.Id(first.TrimEnd((byte)':'));
        OpenRow(chunk, row, chunk.Event[row], EventKind.Tracepoint, rest);
    }

    /// <summary>Index of the first ':', ' ' or '(' (or the length): one vector compare for names up to 32 bytes.</summary>
    static int NameEnd(ReadOnlySpan<byte> rest)
    {
        int i = 0;
        if (rest.Length >= 32)
        {
            var v = Vector256.Create(rest);
            uint stops = (Vector256.Equals(v, Vector256.Create((byte)':')) | Vector256.Equals(v, Vector256.Create((byte)' '))
                | Vector256.Equals(v, Vector256.Create((byte)'('))).ExtractMostSignificantBits();
            if (stops != 0)
                return BitOperations.TrailingZeroCount(stops);
            i = 32;
        }
        while (i < rest.Length && rest[i] != ':' && rest[i] != ' ' && rest[i] != '(')
            i++;
        return i;
    }

    /// <summary>"func", "func+0x1c/0x40" (sym-offset) or 6.15+ func-args "func(a=0x1, b=2)": no space outside the parentheses.</summary>
    static bool IsFunctionCall(ReadOnlySpan<byte> ip)
    {
        int open = ip.IndexOf((byte)'(');
        var name = open < 0 ? ip : ip[..open];
        return name.Length > 0 && name.IndexOf((byte)' ') < 0 && (open < 0 || ip[^1] == ')');
    }

    void OpenRow(EventChunk chunk, int row, int eventId, EventKind kind, ReadOnlySpan<byte> payload)
    {
        chunk.Event[row] = eventId;
        chunk.Kind[row] = kind;
        chunk.SetPayload(row, payload);
        _openRow = row;
        _openKind = kind;
        _openEvent = eventId;
        if (kind != EventKind.Stack)
            _lastEventSeq = chunk.Seq[row];
    }

    void AddFunctionRow(EventChunk chunk, int row, ReadOnlySpan<byte> rest, int arrow)
    {
        chunk.Event[row] = _idFunction;
        chunk.Kind[row] = EventKind.Function;
        chunk.SetPayload(row, rest);
        _lastEventSeq = chunk.Seq[row];
        int start = chunk.PayloadStart[row];
        if (arrow < 0)
        {
            chunk.AddField(row, _keyIp, FieldType.Text, 0, start, rest.Length);
            return;
        }
        int open = rest[..arrow].IndexOf((byte)'(');
        chunk.AddField(row, _keyIp, FieldType.Text, 0, start, open < 0 ? arrow : open);
        if (open > 0)
            ParseFuncArgs(chunk, row, rest[(open + 1)..(arrow - 1)], start + open + 1);
        int p = arrow + 3;
        while (p < rest.Length && rest[p] == ' ') p++;
        chunk.AddField(row, _keyParentIp, FieldType.Text, 0, start + p, rest.Length - p);
    }

    /// <summary>func-args "a=0x1, b=2": key=value pairs separated by ", ".</summary>
    void ParseFuncArgs(EventChunk chunk, int row, ReadOnlySpan<byte> args, int start)
    {
        int pos = 0;
        while (pos < args.Length)
        {
            int comma = args[pos..].IndexOf(", "u8);
            int end = comma < 0 ? args.Length : pos + comma;
            var arg = args[pos..end];
            int eq = arg.IndexOf((byte)'=');
            if (eq > 0)
                AddTypedField(chunk, row, _intern.Id(arg[..eq]), arg[(eq + 1)..], start + pos + eq + 1, pointerKey: false);
            pos = comma < 0 ? args.Length : end + 2;
        }
    }

    /// <summary>Syscall tracer: "sys_openat(dfd: ffffff9c, ...)" → sys_enter_openat, "sys_openat -> 0x3" → sys_exit_openat.</summary>
    bool TryAddSyscallRow(EventChunk chunk, int row, ReadOnlySpan<byte> rest)
    {
        if (!rest.StartsWith("sys_"u8))
            return false;
        int open = rest.IndexOf((byte)'(');
        int exit = rest.IndexOf(" -> "u8);
        bool isEnter = open > 4 && rest[^1] == ')' && (exit < 0 || open < exit);
        bool isExit = !isEnter && exit > 4;
        if (!isEnter && !isExit)
            return false;
        var call = rest[4..(isEnter ? open : exit)];
        Span<byte> name = stackalloc byte[Math.Min(call.Length, 200) + 10];
        var prefix = isEnter ? "sys_enter_"u8 : "sys_exit_"u8;
        prefix.CopyTo(name);
        call[..Math.Min(call.Length, 200)].CopyTo(name[prefix.Length..]);
        chunk.Event[row] = _intern.Id(name[..(prefix.Length + Math.Min(call.Length, 200))]);
        chunk.Kind[row] = EventKind.Tracepoint;
        chunk.SetPayload(row, rest);
        _lastEventSeq = chunk.Seq[row];
        int start = chunk.PayloadStart[row];
        if (isExit)
        {
            var value = rest[(exit + 4)..];
            AddTypedField(chunk, row, _keyRet, value, start + exit + 4, pointerKey: true);
            return true;
        }
        // "name: hex, name: hex" — the syscall tracer prints every argument as bare hex
        var args = rest[(open + 1)..^1];
        int baseOffset = start + open + 1;
        int pos = 0;
        while (pos < args.Length)
        {
            int comma = args[pos..].IndexOf(", "u8);
            int end = comma < 0 ? args.Length : pos + comma;
            var arg = args[pos..end];
            int colon = arg.IndexOf(": "u8);
            if (colon > 0)
                AddTypedField(chunk, row, _intern.Id(arg[..colon]), arg[(colon + 2)..], baseOffset + pos + colon + 2, pointerKey: true);
            pos = comma < 0 ? args.Length : end + 2;
        }
        return true;
    }
}
