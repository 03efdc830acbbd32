using System.Text;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>
/// Seeded mutations of the real corpus: truncation, two reports interleaved line by line, random envelope styles,
/// random byte damage. Nothing may throw, and every report whose title line survives must still be found.
/// </summary>
public sealed class ConsoleFuzzTests
{
    static List<(CorpusFile File, LockdepReport Report, string[] Lines)> Corpus()
        => CorpusFile.All("lockdep").Select(f =>
        {
            var lines = f.Body.Split('\n');
            return (f, f.Parse().Reports[0], lines);
        }).ToList();

    [Fact]
    public void Truncated_logs_never_throw_and_keep_the_report_when_its_title_line_survives()
    {
        var rng = new Random(6);
        foreach (var (file, report, lines) in Corpus())
        {
            for (int trial = 0; trial < 6; trial++)
            {
                int keep = rng.Next(0, lines.Length + 1);
                string cut = string.Join("\n", lines.Take(keep));
                if (rng.Next(2) == 0 && cut.Length > 0) cut = cut[..rng.Next(cut.Length)]; // cut mid-line too
                var result = CorpusFile.ParseText(cut);
                int titleLine = (int)report.Line;     // 1-based line in the body
                bool titleKept = cut.Split('\n').Length > titleLine
                                 || (cut.Split('\n').Length == titleLine && cut.EndsWith(lines[titleLine - 1], StringComparison.Ordinal));
                if (titleKept)
                    Assert.True(result.Reports.Any(r => r.Kind == report.Kind), $"{file.Name} cut at {keep}: report lost");
            }
        }
    }

    [Fact]
    public void Two_reports_interleaved_line_by_line_with_caller_ids_keep_kind_and_title()
    {
        var corpus = Corpus();
        var rng = new Random(66);
        for (int trial = 0; trial < 40; trial++)
        {
            var a = corpus[rng.Next(corpus.Count)];
            var b = corpus[rng.Next(corpus.Count)];
            if (a.File == b.File) continue;
            var la = WithCaller(a.Lines, "T101");
            var lb = WithCaller(b.Lines, "C3");
            var mixed = Interleave(la, lb);
            var result = CorpusFile.ParseText(string.Join("\n", mixed));
            Assert.Contains(result.Reports, r => r.Kind == a.Report.Kind && r.Title == a.Report.Title && r.Caller == "T101");
            Assert.Contains(result.Reports, r => r.Kind == b.Report.Kind && r.Title == b.Report.Title && r.Caller == "C3");
        }
    }

    [Fact]
    public void Two_reports_interleaved_without_caller_ids_are_both_found()
    {
        var corpus = Corpus();
        var rng = new Random(666);
        for (int trial = 0; trial < 40; trial++)
        {
            var a = corpus[rng.Next(corpus.Count)];
            var b = corpus[rng.Next(corpus.Count)];
            if (a.File == b.File) continue;
            var mixed = Interleave(a.Lines, b.Lines);
            var result = CorpusFile.ParseText(string.Join("\n", mixed));
            Assert.Contains(result.Reports, r => r.Kind == a.Report.Kind);
            Assert.Contains(result.Reports, r => r.Kind == b.Report.Kind);
            Assert.True(result.Reports.Count >= 2, $"{a.File.Name} x {b.File.Name}");
        }
    }

    [Fact]
    public void Title_glued_after_other_output_on_one_line_is_found_and_flagged()
    {
        // printk interleaving without a newline: "… avc:  denied[ 1722.5] WARNING: possible circular …"
        const string other = "[  100.000000] audit: type=1400 audit(1.2:3): avc:  denied";
        foreach (var (file, report, lines) in Corpus())
        {
            var glued = lines.ToArray();
            int title = (int)report.Line - 1;
            glued[title] = other + glued[title];
            var result = CorpusFile.ParseText(string.Join("\n", glued));
            var found = result.Reports.FirstOrDefault(r => r.Kind == report.Kind && r.Line == report.Line);
            Assert.True(found is not null, file.Name);
            Assert.True(found.Corrupted, file.Name);
        }
    }

    [Fact]
    public void Random_envelope_styles_per_line_give_the_same_reports()
    {
        var rng = new Random(6666);
        foreach (var (file, report, lines) in Corpus())
        {
            var restyled = lines.Select(l => Restyle(l, rng));
            var result = CorpusFile.ParseText(string.Join("\n", restyled));
            Assert.True(result.Reports.Count >= 1, file.Name);
            Assert.Equal(report.Kind, result.Reports[0].Kind);
            Assert.Equal(report.Title, result.Reports[0].Title);
            Assert.Equal(report.Locks, result.Reports[0].Locks);
        }
    }

    [Fact]
    public void Random_byte_damage_never_throws()
    {
        var rng = new Random(66666);
        foreach (var (file, _, _) in Corpus())
        {
            var bytes = Encoding.UTF8.GetBytes(file.Body);
            for (int trial = 0; trial < 4; trial++)
            {
                var damaged = (byte[])bytes.Clone();
                for (int k = 0; k < 1 + damaged.Length / 200; k++)
                    damaged[rng.Next(damaged.Length)] = (byte)rng.Next(256);
                var result = ConsoleLogReader.Read(damaged, file.Name, "t", new IngestErrorLog("t"));
                Assert.Equal(result.Reports.Count, result.ReportsTable.RowCount);
            }
        }
    }

    [Fact]
    public void Streaming_reader_matches_in_memory_reader_across_buffer_refills()
    {
        var sb = new StringBuilder();
        var dmesg = File.ReadAllText(TestData.Path("console-negative/dmesg-6.18-firecracker.txt"));
        var expected = new List<string>();
        int copies = 0;
        while (sb.Length < 3 << 20)
        {
            foreach (var f in CorpusFile.All("lockdep"))
            {
                sb.Append(dmesg);
                sb.Append(f.Body);
                if (!f.Body.EndsWith('\n')) sb.Append('\n');
            }
            copies++;
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var inMemory = ConsoleLogReader.Read(bytes, "big", "t", new IngestErrorLog("t"));
        using var stream = new MemoryStream(bytes);
        var streamed = ConsoleLogReader.Read(stream, "big", "t", new IngestErrorLog("t"));
        Assert.True(copies >= 2);
        Assert.True(inMemory.Reports.Count >= 50 * copies);
        Assert.Equal(inMemory.Reports.Select(r => (r.Line, r.Title)), streamed.Reports.Select(r => (r.Line, r.Title)));
        Assert.Equal(inMemory.Lines, streamed.Lines);
        // line numbers survive the bulk skipping of plain output: the numbered line of the text is the title line
        var textLines = sb.ToString().Split('\n');
        Assert.Equal(textLines.Length - (sb[^1] == '\n' ? 1 : 0), streamed.Lines);
        foreach (var r in streamed.Reports)
            Assert.EndsWith(r.Lines[0].Text, textLines[r.Line - 1].TrimEnd('\r'));
    }

    static string[] WithCaller(string[] lines, string caller)
        => lines.Select(l =>
        {
            var payload = ConsoleEnvelopeParser.Strip(Encoding.UTF8.GetBytes(l), out var env);
            string ts = env.TimestampNs >= 0 ? $"[{env.TimestampNs / 1_000_000_000,5}.{env.TimestampNs / 1000 % 1_000_000:D6}]" : "[  100.000000]";
            return $"{ts}[{caller,6}] {Encoding.UTF8.GetString(payload)}";
        }).ToArray();

    static List<string> Interleave(string[] a, string[] b)
    {
        var mixed = new List<string>();
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            if (i < a.Length) mixed.Add(a[i]);
            if (i < b.Length) mixed.Add(b[i]);
        }
        return mixed;
    }

    static string Restyle(string line, Random rng)
    {
        var payload = Encoding.UTF8.GetString(ConsoleEnvelopeParser.Strip(Encoding.UTF8.GetBytes(line), out var env));
        long us = env.TimestampNs >= 0 ? env.TimestampNs / 1000 : 1_000_000;
        string ts = $"[{us / 1_000_000,5}.{us % 1_000_000:D6}]";
        return rng.Next(7) switch
        {
            0 => $"<4>{ts} {payload}",
            1 => $"4,{rng.Next(100000)},{us},-;{payload}",
            2 => $"Nov 26 10:54:01 box kernel: {ts} {payload}",
            3 => $"kern  :warn  : {ts} {payload}",
            4 => $"> {ts} {payload}",
            5 => $"{ts} {payload}",
            _ => $"2026-11-26T10:54:01.000000+00:00 box kernel: {payload}",
        };
    }
}
