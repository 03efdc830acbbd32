using System.Text;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>A syzkaller corpus file: its header (the oracle: TITLE:, TYPE:, CORRUPTED:) and the raw log after it.</summary>
sealed record CorpusFile(string Name, string Title, bool Corrupted, string Body)
{
    public static IEnumerable<CorpusFile> All(string folder)
    {
        foreach (var path in Directory.GetFiles(TestData.Path(folder), "*.txt").OrderBy(p => p, StringComparer.Ordinal))
            yield return Load(path);
    }

    public static CorpusFile Load(string path)
    {
        string text = File.ReadAllText(path);
        string title = "";
        bool corrupted = false;
        string body = text;
        if (text.StartsWith("TITLE:", StringComparison.Ordinal) || text.StartsWith('\n'))
        {
            int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
            string header = blank < 0 ? "" : text[..blank];
            body = blank < 0 ? text : text[(blank + 2)..];
            foreach (var line in header.Split('\n'))
            {
                if (line.StartsWith("TITLE: ", StringComparison.Ordinal)) title = line[7..];
                if (line == "CORRUPTED: Y") corrupted = true;
            }
        }
        return new CorpusFile(Path.GetFileName(path), title, corrupted, body);
    }

    public ConsoleLogResult Parse() => ParseText(Body, Name);

    public static ConsoleLogResult ParseText(string text, string name = "log")
        => ConsoleLogReader.Read(Encoding.UTF8.GetBytes(text), name, "trace", new IngestErrorLog(name));
}
