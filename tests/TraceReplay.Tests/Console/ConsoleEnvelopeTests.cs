using System.Text;
using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>Every prefix style a console line may carry is stripped to the same payload, keeping time and caller.</summary>
public sealed class ConsoleEnvelopeTests
{
    [Theory]
    [InlineData("[  12.345678] WARNING: inconsistent lock state", "WARNING: inconsistent lock state", 12_345_678_000L, "", -1)]
    [InlineData("[ 1034.371675][    C0] inconsistent {SOFTIRQ-ON-W}", "inconsistent {SOFTIRQ-ON-W}", 1_034_371_675_000L, "C0", -1)]
    [InlineData("[  492.198014][T24950] ======", "======", 492_198_014_000L, "T24950", -1)]
    [InlineData("<4>[   16.305150] INFO: trying", "INFO: trying", 16_305_150_000L, "", 4)]
    [InlineData("syzkaller login: [   16.305150] INFO: trying", "INFO: trying", 16_305_150_000L, "", -1)]
    [InlineData("4,5126,12947306496,-;WARNING: held lock freed!", "WARNING: held lock freed!", 12_947_306_496_000L, "", 4)]
    [InlineData("6,339,5140900,-,caller=T1;NET: Registered", "NET: Registered", 5_140_900_000L, "T1", 6)]
    [InlineData("Nov  6 16:23:32 host kernel: [  1.000000]  dump_stack+0x1/0x2", " dump_stack+0x1/0x2", 1_000_000_000L, "", -1)]
    [InlineData("2024-11-06T16:23:32.123456+00:00 host kernel: BUG: scheduling while atomic", "BUG: scheduling while atomic", -1L, "", -1)]
    [InlineData("kern  :warn  : [   5.000001] WARNING: foo", "WARNING: foo", 5_000_001_000L, "", -1)]
    [InlineData("** 5 printk messages dropped ** [  3.5] lock(A);", "lock(A);", 3_500_000_000L, "", -1)]
    [InlineData("> [  2.000000] other info", "other info", 2_000_000_000L, "", -1)]
    [InlineData("[Tue Nov 26 10:00:00 2024] BUG: x", "BUG: x", -1L, "", -1)]
    [InlineData("[ 1034.386064][    C0] ", "", 1_034_386_064_000L, "C0", -1)]
    [InlineData(" [<ffffffff81d90469>] dump_stack+0xc1/0x128", " [<ffffffff81d90469>] dump_stack+0xc1/0x128", -1L, "", -1)]
    [InlineData("[<80de0078>] (dump_backtrace) from [<80de0574>]", "[<80de0078>] (dump_backtrace) from [<80de0574>]", -1L, "", -1)]
    [InlineData("[  5.1]\r", "", 5_100_000_000L, "", -1)]
    public void Strip_keeps_payload_time_and_caller(string line, string payload, long ns, string caller, int level)
    {
        var got = ConsoleEnvelopeParser.Strip(Encoding.UTF8.GetBytes(line), out var env);
        Assert.Equal(payload, Encoding.UTF8.GetString(got));
        Assert.Equal(ns, env.TimestampNs);
        Assert.Equal(caller, ConsoleEnvelope.CallerName(env.Caller));
        Assert.Equal(level, env.Level);
    }
}
