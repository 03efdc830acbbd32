namespace TraceReplay.Synth.Model;

/// <summary>irq.h events: softirq raise/entry/exit and hardirq handlers, with the context counters they imply.</summary>
public static class Softirq
{
    static readonly byte[][] s_names =
    [
        "HI"u8.ToArray(), "TIMER"u8.ToArray(), "NET_TX"u8.ToArray(), "NET_RX"u8.ToArray(), "BLOCK"u8.ToArray(),
        "BLOCK_IOPOLL"u8.ToArray(), "TASKLET"u8.ToArray(), "SCHED"u8.ToArray(), "HRTIMER"u8.ToArray(), "RCU"u8.ToArray(),
    ];

    static void Vec(Output.ByteBuf b, int vec)
    {
        b.Add("vec="u8); b.Dec(vec); b.Add(" [action="u8); b.Add(s_names[vec]); b.Add((byte)']');
    }

    public static void Raise(Cpu c, int vec)
    {
        var b = c.Tp("softirq_raise"u8);
        if (b == null) return;
        Vec(b, vec);
        c.End();
    }

    /// <summary>__do_softirq serving one vector: softirq_entry, the handler (irqs on, SOFTIRQ_OFFSET), softirq_exit.</summary>
    public static void Run(Cpu c, int vec, Action<Cpu> handler)
    {
        c.SoftIrqServing++;
        c.Enter(Syms.DoSoftirq);
        var b = c.Tp("softirq_entry"u8);
        if (b != null) { Vec(b, vec); c.End(); }
        handler(c);
        var e = c.Tp("softirq_exit"u8);
        if (e != null) { Vec(e, vec); c.End(); }
        c.Exit();
        c.SoftIrqServing--;
    }

    /// <summary>A device interrupt: irq_handler_entry/exit in hardirq context (irqs off).</summary>
    public static void HardIrq(Cpu c, int irq, byte[] name, Action<Cpu>? body)
    {
        c.HardirqEnter();
        c.Enter(Syms.DoIrq);
        var b = c.Tp("irq_handler_entry"u8);
        if (b != null) { b.Add("irq="u8); b.Dec(irq); b.Add(" name="u8); b.Add(name); c.End(); }
        body?.Invoke(c);
        var e = c.Tp("irq_handler_exit"u8);
        if (e != null) { e.Add("irq="u8); e.Dec(irq); e.Add(" ret=handled"u8); c.End(); }
        c.Exit();
        c.HardirqExit();
    }
}
