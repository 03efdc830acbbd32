namespace TraceReplay.Replay.Engine;

internal static class SoftirqNames
{
    static readonly string[] Names = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"];

    public const int Rcu = 9;

    public static string Name(int vec) => vec >= 0 && vec < Names.Length ? Names[vec] : vec < 0 ? "" : vec.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
