namespace TraceReplay.Tests.ConsoleLog;

/// <summary>Real kernel output without lockdep-family reports yields no report, in every envelope style.</summary>
public sealed class ConsoleNegativeTests
{
    [Fact]
    public void Negative_set_files_contain_no_report()
    {
        var files = CorpusFile.All("console-negative").ToList();
        Assert.True(files.Count >= 6);
        foreach (var file in files)
            Assert.True(file.Parse().Reports.Count == 0, file.Name);
    }

    [Fact]
    public void Machine_dmesg_has_no_report_when_re_enveloped_as_kmsg_syslog_and_caller_ids()
    {
        var lines = File.ReadAllLines(TestData.Path("console-negative/dmesg-6.18-firecracker.txt"));
        Assert.True(lines.Length > 300);
        var kmsg = lines.Select((l, i) => $"6,{i},{i * 1000},-;" + StripTs(l));
        var syslog = lines.Select(l => "Nov 26 10:54:01 fc-host kernel: " + l);
        var caller = lines.Select((l, i) => l.Insert(l.IndexOf(']') + 1, $"[    T{i % 7}]"));
        var plain = lines.Select(StripTs);
        foreach (var variant in new[] { kmsg, syslog, caller, plain })
            Assert.Empty(CorpusFile.ParseText(string.Join("\n", variant)).Reports);
    }

    static string StripTs(string line) => line.StartsWith('[') ? line[(line.IndexOf("] ", StringComparison.Ordinal) + 2)..] : line;
}
