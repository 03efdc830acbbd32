using System.IO.Compression;
using TraceReplay.Core.Diagnostics;
using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>The path overload reads plain and gzip files alike (content-detected), with the same result as in memory.</summary>
public sealed class ConsoleFileInputTests
{
    [Fact]
    public void Gzip_and_plain_files_give_the_same_reports_as_the_in_memory_reader()
    {
        var file = CorpusFile.Load(TestData.Path("lockdep/syzkaller-report-557.txt"));
        string dir = Path.Combine(Path.GetTempPath(), "tracereplay-console-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string plain = Path.Combine(dir, "console.log");
            File.WriteAllText(plain, file.Body);
            string gz = Path.Combine(dir, "console.log.gz");
            using (var output = File.Create(gz))
            using (var zip = new GZipStream(output, CompressionLevel.Fastest))
                zip.Write(File.ReadAllBytes(plain));

            var expected = file.Parse().Reports.Single();
            foreach (var path in new[] { plain, gz })
            {
                var errors = new IngestErrorLog("t");
                var got = ConsoleLogReader.Read(path, "t", errors).Reports.Single();
                Assert.Equal(Path.GetFileName(path), got.Source);
                Assert.Equal((expected.Title, expected.Line, expected.Kind), (got.Title, got.Line, got.Kind));
                Assert.Equal(expected.Locks, got.Locks);
                Assert.Equal(expected.Frames, got.Frames);
                Assert.Equal(expected.HeldLocks, got.HeldLocks);
                Assert.Equal(0, errors.Total);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
