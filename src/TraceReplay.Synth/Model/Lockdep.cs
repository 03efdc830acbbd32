using System.Text;

namespace TraceReplay.Synth.Model;

/// <summary>Lockdep usage bits of the 3.x (six-character) era, in lockdep_states.h order.</summary>
[Flags]
public enum LockUsage
{
    None = 0,
    InHardirqW = 1,
    HardirqOnW = 4,
    InSoftirqW = 16,
    SoftirqOnW = 64,
}

/// <summary>A lockdep class: the name lock_acquire prints and the usage bits with the stack that first set each.</summary>
public sealed class LockClass(string name)
{
    public string Name { get; } = name;
    public byte[] Utf8 { get; } = Encoding.ASCII.GetBytes(name);
    public LockUsage Usage;
    /// <summary>Innermost-first frames where each usage bit was first set ("{X} state was registered at:").</summary>
    public readonly Dictionary<LockUsage, Sym[]> FirstUse = new();

    /// <summary>The {......} usage string (hardirq W/R, softirq W/R, reclaim_fs W/R).</summary>
    public string UsageString()
    {
        static char F(bool inCtx, bool on) => inCtx && on ? '?' : inCtx ? '-' : on ? '+' : '.';
        return new string([
            F(Usage.HasFlag(LockUsage.InHardirqW), Usage.HasFlag(LockUsage.HardirqOnW)), '.',
            F(Usage.HasFlag(LockUsage.InSoftirqW), Usage.HasFlag(LockUsage.SoftirqOnW)), '.', '.', '.']);
    }
}

/// <summary>One lock object: its class and the address of its lockdep_map (lock_acquire's %p).</summary>
public sealed class LockInstance(LockClass cls, ulong addr)
{
    public LockClass Class { get; } = cls;
    public ulong Addr { get; } = addr;
}

/// <summary>
/// lockdep as the modeled kernel runs it: lock:lock_acquire/lock_release events, usage bits from the acquiring
/// context (lockdep-design: IN-SOFTIRQ-W vs SOFTIRQ-ON-W exclusive) and, once per boot, the inconsistent-state report.
/// </summary>
public sealed class Lockdep(Machine m)
{
    bool _debugLocks = true;
    int _irqEventStamp = 1;

    public LockClass Class(string name) => new(name);

    public void Acquire(Cpu c, LockInstance l, bool read, bool trylock)
    {
        var b = c.Tp("lock_acquire"u8);
        if (b != null)
        {
            b.Ptr(l.Addr);
            b.Add((byte)' ');
            if (trylock) b.Add("try "u8);
            if (read) b.Add("read "u8);
            b.Add(l.Class.Utf8);
            c.End();
        }
        Mark(c, l);
    }

    public void Release(Cpu c, LockInstance l)
    {
        var b = c.Tp("lock_release"u8);
        if (b != null)
        {
            b.Ptr(l.Addr);
            b.Add((byte)' ');
            b.Add(l.Class.Utf8);
            c.End();
        }
    }

    void Mark(Cpu c, LockInstance l)
    {
        _irqEventStamp++;
        bool hardirqsOn = c.IrqsOff == 0;
        bool softirqsOn = c.SoftIrqServing == 0 && c.BhDisabled == 0;
        if (c.HardIrq > 0) Set(c, l, LockUsage.InHardirqW, LockUsage.HardirqOnW);
        if (c.SoftIrqServing > 0) Set(c, l, LockUsage.InSoftirqW, LockUsage.SoftirqOnW);
        if (hardirqsOn)
        {
            Set(c, l, LockUsage.HardirqOnW, LockUsage.InHardirqW);
            if (softirqsOn) Set(c, l, LockUsage.SoftirqOnW, LockUsage.InSoftirqW);
        }
    }

    void Set(Cpu c, LockInstance l, LockUsage bit, LockUsage exclusive)
    {
        var cls = l.Class;
        if (cls.Usage.HasFlag(bit)) return;
        cls.Usage |= bit;
        cls.FirstUse[bit] = StackOf(c);
        if (cls.Usage.HasFlag(exclusive) && _debugLocks)
        {
            _debugLocks = false; // debug_locks_off(): one report per boot
            m.Dmesg?.InconsistentLockState(c, l, exclusive, bit, _irqEventStamp);
        }
    }

    public static Sym[] StackOf(Cpu c)
    {
        var frames = c.Frames;
        var s = new Sym[frames.Count];
        for (int i = 0; i < s.Length; i++) s[i] = frames[frames.Count - 1 - i].Func;
        return s;
    }
}
