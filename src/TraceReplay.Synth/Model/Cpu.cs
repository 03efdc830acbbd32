using TraceReplay.Synth.Output;

namespace TraceReplay.Synth.Model;

/// <summary>The four 3.x flag characters: irqs-off, need-resched, hardirq/softirq, preempt-depth.</summary>
public readonly record struct Flags4(bool IrqsOff, bool HardIrq, bool SoftIrq, int Depth)
{
    public void WriteTo(ByteBuf b)
    {
        b.Add(IrqsOff ? (byte)'d' : (byte)'.');
        b.Add((byte)'.');
        b.Add(HardIrq ? (SoftIrq ? (byte)'H' : (byte)'h') : SoftIrq ? (byte)'s' : (byte)'.');
        if (Depth == 0) b.Add((byte)'.');
        else b.Hex((ulong)Depth);
    }
}

/// <summary>
/// One CPU: its clock, the task on it and the context stack (irqs off, hardirq, softirq serving, BH disabled,
/// preempt count). Every event is emitted through here so the flags column is derived from the modeled context.
/// </summary>
public sealed class Cpu
{
    readonly Machine _m;
    readonly TraceOutput _out;

    public Cpu(Machine m, int id)
    {
        _m = m;
        _out = m.Out;
        Id = id;
        Idle = new KTask($"swapper/{id}", 0, id);
        Current = Idle;
    }

    public int Id { get; }
    public KTask Idle { get; }
    public KTask Current { get; private set; }
    /// <summary>This CPU's clock (ns); only moves forward.</summary>
    public long Now { get; private set; }
    public int IrqsOff, HardIrq, SoftIrqServing, BhDisabled, Preempt;
    readonly Stack<KTask> _preempted = new();

    public bool InSoftirq => SoftIrqServing > 0;
    public bool InInterrupt => HardIrq > 0 || SoftIrqServing > 0 || BhDisabled > 0;

    internal Cpu At(long t)
    {
        if (t > Now) Now = t;
        return this;
    }

    /// <summary>Advances the clock by a short random code-path cost.</summary>
    public void Step(long lo = 80, long hi = 400) => Now += _m.Rng.Range(lo, hi);

    public void Advance(long ns) => Now += ns;

    /// <summary>Flags of an event here; tracepoints and kprobes read one preempt level too high on ≤4.0 CONFIG_PREEMPT kernels.</summary>
    public Flags4 Flags(bool probe) =>
        new(IrqsOff > 0, HardIrq > 0, SoftIrqServing > 0 || BhDisabled > 0, Math.Min(15, Preempt + (probe ? 1 : 0)));

    /// <summary>Flags of a kprobe hit: the ftrace-based kprobe handler runs with irqs off; the kretprobe trampoline also
    /// holds the kretprobe hash lock (raw spinlock, +1 preempt).</summary>
    Flags4 ProbeFlags(int extraDepth) =>
        new(true, HardIrq > 0, SoftIrqServing > 0 || BhDisabled > 0, Math.Min(15, Preempt + extraDepth));

    // ---------------------------------------------------------------- tracepoints

    /// <summary>Begins a tracepoint; null in the counting pass (caller skips formatting).</summary>
    public ByteBuf? Tp(ReadOnlySpan<byte> name)
    {
        if (_out.Counting) { _out.CountOnly(); Step(); return null; }
        return _out.BeginEvent(Id, Now, Current, Flags(true), name);
    }

    public void End()
    {
        _out.End(Id);
        Step();
    }

    // ---------------------------------------------------------------- calls

    /// <summary>Enters a function: a frame for parents, and for traced functions the event of the trace style.</summary>
    public void Enter(Sym f, ulong arg = 0)
    {
        var frames = Current.Frames;
        var frame = new Frame { Func = f, EnterTs = Now, Arg = arg, GraphDepth = Current.TracedDepth };
        if (f.Traced)
        {
            Current.TracedDepth++;
            switch (_out.Style)
            {
                case SynthStyle.Function:
                    if (_out.Counting) _out.CountOnly();
                    else
                    {
                        var b = _out.BeginRaw(Id, Now, Current, Flags(false));
                        b.Add(f.Utf8);
                        b.Add(" <-"u8);
                        b.Add(frames.Count > 0 ? frames[^1].Func.Utf8 : Syms.DoSoftirq.Utf8);
                        _out.End(Id);
                    }
                    break;
                case SynthStyle.FunctionGraph:
                    if (_out.Counting) _out.CountOnly();
                    else _out.GraphEntry(Id, Now, Current, f, frame.GraphDepth);
                    break;
                default:
                    if (_out.Counting) _out.CountOnly();
                    else
                    {
                        // p:kprobes/p_<f>_0 <f> arg1=%di   →  "p_f_0: (f+0x0/0xsize) arg1=0x..."
                        var b = _out.BeginRaw(Id, Now, Current, ProbeFlags(0));
                        b.Add("p_"u8); b.Add(f.Utf8); b.Add("_0: ("u8);
                        b.SymOff(f, 0);
                        b.Add(") arg1=0x"u8);
                        b.Hex(arg);
                        _out.End(Id);
                    }
                    break;
            }
            Step(60, 200);
        }
        frames.Add(frame);
    }

    /// <summary>Leaves the innermost function; ret is what a kretprobe's $retval shows.</summary>
    public void Exit(ulong ret = 0)
    {
        var frames = Current.Frames;
        var frame = frames[^1];
        frames.RemoveAt(frames.Count - 1);
        var f = frame.Func;
        if (!f.Traced) return;
        Current.TracedDepth--;
        Step(40, 160);
        switch (_out.Style)
        {
            case SynthStyle.FunctionGraph:
                if (_out.Counting) _out.CountOnly();
                else _out.GraphExit(Id, Now, Current, f, frame.GraphDepth, Now - frame.EnterTs);
                break;
            case SynthStyle.Kprobe:
                if (_out.Counting) _out.CountOnly();
                else
                {
                    // r:kprobes/r_<f>_0 <f> arg1=$retval  →  "r_f_0: (caller+0xoff/0xsize <- f) arg1=0x..."
                    var parent = frames.Count > 0 ? frames[^1].Func : Syms.DoSoftirq;
                    var b = _out.BeginRaw(Id, Now, Current, ProbeFlags(1));
                    b.Add("r_"u8); b.Add(f.Utf8); b.Add("_0: ("u8);
                    b.SymOff(parent, ReturnOffset(parent, f));
                    b.Add(" <- "u8);
                    b.Add(f.Utf8);
                    b.Add(") arg1=0x"u8);
                    b.Hex(ret);
                    _out.End(Id);
                }
                break;
        }
        Step(40, 160);
    }

    /// <summary>A fixed return-site offset inside the caller (depends only on the two symbols).</summary>
    public static int ReturnOffset(Sym caller, Sym callee) =>
        (int)(5 + (callee.Addr >> 4) % (ulong)Math.Max(1, caller.Size - 8));

    /// <summary>Innermost frame's function (the call site of kmem events, the parent of callbacks).</summary>
    public Sym CallSite => Current.Frames.Count > 0 ? Current.Frames[^1].Func : Syms.DoSoftirq;

    public IReadOnlyList<Frame> Frames => Current.Frames;

    // ---------------------------------------------------------------- context

    public void HardirqEnter() { IrqsOff++; HardIrq++; }
    public void HardirqExit() { HardIrq--; IrqsOff--; }

    public void LocalIrqSave() => IrqsOff++;
    public void LocalIrqRestore() => IrqsOff--;

    // ---------------------------------------------------------------- locks

    public void SpinLock(LockInstance l)
    {
        Preempt++;
        _m.Lockdep.Acquire(this, l, read: false, trylock: false);
    }

    public void SpinUnlock(LockInstance l)
    {
        _m.Lockdep.Release(this, l);
        Preempt--;
    }

    public void SpinLockIrqSave(LockInstance l)
    {
        IrqsOff++;
        SpinLock(l);
    }

    public void SpinUnlockIrqRestore(LockInstance l)
    {
        SpinUnlock(l);
        IrqsOff--;
    }

    /// <summary>The lock_acquire of a sleeping mutex the task now owns (mutex_acquire runs with preemption off).</summary>
    public void MutexAcquired(LockInstance l)
    {
        Preempt++;
        _m.Lockdep.Acquire(this, l, read: false, trylock: false);
        Preempt--;
    }

    public void MutexReleased(LockInstance l) => _m.Lockdep.Release(this, l);

    // ---------------------------------------------------------------- scheduling

    internal void SwitchTo(KTask next, string prevState, bool preempted)
    {
        var prev = Current;
        if (preempted) _preempted.Push(prev);
        EmitSwitch(prev, prevState, next);
    }

    internal void SwitchAway(KTask task, string prevState)
    {
        var next = Idle;
        while (_preempted.Count > 0)
        {
            var p = _preempted.Pop();
            if (!p.Done && !p.Blocked && p != task) { next = p; break; }
        }
        EmitSwitch(task, prevState, next);
    }

    void EmitSwitch(KTask prev, string prevState, KTask next)
    {
        // __schedule: preempt_disable + raw_spin_lock_irq(&rq->lock) around the tracepoint ⇒ "d..3" on 3.x.
        Preempt += 2;
        IrqsOff++;
        var b = Tp("sched_switch"u8);
        if (b != null)
        {
            b.Add("prev_comm="u8); b.Add(prev.SchedCommUtf8);
            b.Add(" prev_pid="u8); b.Dec(prev.Pid);
            b.Add(" prev_prio="u8); b.Dec(prev.Prio);
            b.Add(" prev_state="u8); AddAscii(b, prevState);
            b.Add(" ==> next_comm="u8); b.Add(next.SchedCommUtf8);
            b.Add(" next_pid="u8); b.Dec(next.Pid);
            b.Add(" next_prio="u8); b.Dec(next.Prio);
        }
        Current = next;
        if (b != null) End();
        IrqsOff--;
        Preempt -= 2;
    }

    internal static void AddAscii(ByteBuf b, string s)
    {
        foreach (char ch in s) b.Add((byte)ch);
    }
}
