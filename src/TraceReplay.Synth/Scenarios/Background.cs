using TraceReplay.Synth.Model;

namespace TraceReplay.Synth.Scenarios;

/// <summary>
/// Background traffic mixable into any scenario: per CPU device interrupts (irq_handler_entry/exit, NET_RX/BLOCK
/// softirqs with skb kmalloc/kfree), scheduler-tick TIMER softirqs, and two user tasks that allocate and free
/// (names_cache via kmem_cache_alloc/free, kmalloc/kfree) and sleep, producing sched_switch. Runs until the horizon.
/// </summary>
public static class Background
{
    static readonly string[] s_comms = ["bash", "sshd", "systemd-journal", "irqbalance", "rsyslogd", "cron", "dbus-daemon", "udevd"];
    static readonly byte[][] s_irqNames = ["eth0"u8.ToArray(), "ahci"u8.ToArray(), "xhci_hcd"u8.ToArray(), "i915"u8.ToArray()];

    public static void Plan(Machine m, long horizon)
    {
        foreach (var cpu in m.Cpus)
        {
            int id = cpu.Id;
            m.At(id, 30_000 + 7_000L * id, c => Interrupt(m, c, horizon));
            for (int k = 0; k < 2; k++)
            {
                string comm = s_comms[(2 * id + k) % s_comms.Length];
                m.Spawn(comm, id, 50_000 + 13_000L * (2 * id + k), t => UserTask(m, t, horizon));
            }
        }
    }

    static void Interrupt(Machine m, Cpu c, long horizon)
    {
        if (c.Now >= horizon) return;
        int kind = m.Rng.Next(4);
        if (kind == 0)
        {
            // scheduler tick: TIMER softirq (the local APIC timer has no irq_handler event)
            c.HardirqEnter();
            Softirq.Raise(c, 1);
            c.HardirqExit();
            Softirq.Run(c, 1, s =>
            {
                s.Enter(Syms.RunTimerSoftirq);
                s.Step(300, 1_500);
                s.Exit();
            });
        }
        else
        {
            int irq = 16 + (kind + c.Id) % 4;
            byte[] name = s_irqNames[(kind + c.Id) % 4];
            int vec = irq == 16 ? 3 : irq == 17 ? 4 : 6; // eth0 → NET_RX, ahci → BLOCK, others → TASKLET
            Softirq.HardIrq(c, irq, name, h => Softirq.Raise(h, vec));
            Softirq.Run(c, vec, s =>
            {
                s.Enter(vec == 3 ? Syms.NetRxAction : vec == 4 ? Syms.BlkDoneSoftirq : Syms.TaskletAction);
                int n = 1 + m.Rng.Next(3);
                for (int i = 0; i < n; i++)
                {
                    s.Enter(Syms.AllocSkb);
                    ulong p = m.Kmem.Kmalloc(s, 512 + 64 * m.Rng.Next(16), "GFP_ATOMIC"u8);
                    s.Exit();
                    s.Enter(Syms.SkbReleaseData);
                    m.Kmem.Kfree(s, p);
                    s.Exit();
                }
                s.Exit();
            });
        }
        long gap = m.Rng.Range(25_000, 90_000);
        m.At(c.Id, c.Now + gap, cc => Interrupt(m, cc, horizon));
    }

    static IEnumerable<Wait> UserTask(Machine m, KTask t, long horizon)
    {
        var c = m.Cpus[t.Cpu];
        while (c.Now < horizon)
        {
            int ops = 1 + m.Rng.Next(4);
            for (int i = 0; i < ops; i++)
            {
                if (m.Rng.Next(2) == 0)
                {
                    c.Enter(Syms.GetnameFlags);
                    ulong p = m.Kmem.CacheAlloc(c, 4096, "GFP_KERNEL"u8);
                    c.Exit();
                    c.Enter(Syms.Putname);
                    m.Kmem.CacheFree(c, p);
                    c.Exit();
                }
                else
                {
                    c.Enter(Syms.SeqOpen);
                    ulong p = m.Kmem.Kmalloc(c, 24 + 8 * m.Rng.Next(30), "GFP_KERNEL"u8);
                    c.Exit();
                    c.Enter(Syms.SeqRelease);
                    m.Kmem.Kfree(c, p);
                    c.Exit();
                }
            }
            if (m.Rng.Next(3) == 0)
                yield return Wait.Sleep(m.Rng.Range(40_000, 400_000));
            else
                yield return Wait.Busy(m.Rng.Range(10_000, 60_000));
        }
    }
}
