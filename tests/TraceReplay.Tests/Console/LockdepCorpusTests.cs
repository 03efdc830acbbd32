using TraceReplay.Ingest.ConsoleLog;

namespace TraceReplay.Tests.ConsoleLog;

/// <summary>
/// The syzkaller lockdep corpus (tests/data/lockdep, 50 real console logs): every report is found, its kind agrees
/// with the shared MANIFEST's kind column (typed by the corpus author, not by this code) and its title equals the
/// file's TITLE: line. Mismatches must be listed below with a reason; a listed file that starts matching fails too.
/// </summary>
public sealed class LockdepCorpusTests
{
    /// <summary>Files whose first report's title differs from TITLE:, with the reason. Currently none.</summary>
    static readonly Dictionary<string, string> ExpectedTitleDifferences = new()
    {
    };

    /// <summary>Files whose corrupted flag differs from the header's CORRUPTED: line, with the reason.</summary>
    static readonly Dictionary<string, string> ExpectedCorruptedDifferences = new()
    {
        // An arm64 oops ("Unable to handle kernel paging request") is printed where the nest lock's name belongs;
        // syzkaller only checks that a stack trace exists, we also flag the missing lock name.
        ["syzkaller-report-655.txt"] = "oops printed in place of the nest lock name",
    };

    /// <summary>MANIFEST.md kind column (prose) → our kind name.</summary>
    static readonly Dictionary<string, string> KindOfManifest = new()
    {
        ["circular locking"] = "circular_locking",
        ["irq lock inversion"] = "irq_lock_inversion",
        ["SOFTIRQ-safe -> SOFTIRQ-unsafe"] = "irq_safe_to_unsafe",
        ["HARDIRQ-safe -> HARDIRQ-unsafe"] = "irq_safe_to_unsafe",
        ["recursive locking"] = "recursive_locking",
        ["inconsistent lock state"] = "inconsistent_lock_state",
        ["still has locks held"] = "still_has_locks_held",
        ["held lock freed"] = "held_lock_freed",
        ["scheduling while atomic"] = "scheduling_while_atomic",
        ["bad unlock balance"] = "bad_unlock_balance",
        ["trying to register non-static key"] = "non_static_key",
        ["locking bug (DEBUG_LOCKS_WARN_ON in lockdep.c)"] = "locking_bug",
        ["suspicious RCU usage"] = "suspicious_rcu_usage",
        ["workqueue leaked lock or atomic"] = "workqueue_leaked_lock",
        ["lock held when returning to user space"] = "lock_held_returning_to_user",
        ["sleeping function called from invalid context"] = "sleeping_in_atomic",
        ["MAX_STACK_TRACE_ENTRIES too low"] = "lockdep_limit",
        ["Invalid wait context"] = "invalid_wait_context",
        ["Nested lock was not taken"] = "nested_lock_not_taken",
        ["KASAN slab-use-after-free (related object-lifetime)"] = "kasan",
    };

    static Dictionary<string, string> ManifestKinds()
    {
        var kinds = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(TestData.Path("lockdep/MANIFEST.md")))
        {
            if (!line.StartsWith("| syzkaller-report-", StringComparison.Ordinal)) continue;
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            kinds[cells[1]] = cells[5];
        }
        return kinds;
    }

    [Fact]
    public void Corpus_every_file_has_a_report_whose_kind_matches_the_manifest()
    {
        var manifest = ManifestKinds();
        var files = CorpusFile.All("lockdep").ToList();
        Assert.Equal(50, files.Count);
        Assert.Equal(50, manifest.Count);
        var wrong = new List<string>();
        foreach (var file in files)
        {
            var result = file.Parse();
            Assert.True(result.Reports.Count >= 1, $"{file.Name}: no report found");
            string expected = KindOfManifest[manifest[file.Name]];
            if (result.Reports[0].KindName != expected) wrong.Add($"{file.Name}: {result.Reports[0].KindName} != {expected}");
        }
        Assert.Empty(wrong);
    }

    [Fact]
    public void Corpus_titles_equal_the_TITLE_line_for_at_least_95_percent_and_every_difference_is_listed()
    {
        var files = CorpusFile.All("lockdep").ToList();
        int equal = 0;
        var unexpected = new List<string>();
        foreach (var file in files)
        {
            string title = file.Parse().Reports[0].Title;
            bool same = title == file.Title;
            if (same) equal++;
            bool listed = ExpectedTitleDifferences.ContainsKey(file.Name);
            if (same == listed) unexpected.Add($"{file.Name}: got '{title}', TITLE: '{file.Title}', listed={listed}");
        }
        Assert.Empty(unexpected);
        Assert.True(equal * 100 >= files.Count * 95, $"{equal}/{files.Count} titles equal");
    }

    [Fact]
    public void Corpus_corrupted_flag_agrees_with_the_header_except_listed_files()
    {
        var unexpected = new List<string>();
        foreach (var file in CorpusFile.All("lockdep"))
        {
            var report = file.Parse().Reports[0];
            bool listed = ExpectedCorruptedDifferences.ContainsKey(file.Name);
            if ((report.Corrupted == file.Corrupted) == listed)
                unexpected.Add($"{file.Name}: corrupted={report.Corrupted} header={file.Corrupted} listed={listed} [{string.Join("; ", report.CorruptionReasons)}]");
        }
        Assert.Empty(unexpected);
    }

    [Fact]
    public void Corpus_tables_have_one_row_per_report_and_the_contract_columns()
    {
        var result = CorpusFile.All("lockdep").First(f => f.Name == "syzkaller-report-188.txt").Parse();
        Assert.Equal(["trace", "source", "line", "kind", "title", "kernel", "task", "pid", "hc", "sc", "he", "se",
                      "usage_from", "usage_to", "lock_class", "corrupted"], result.ReportsTable.Columns.Select(c => c.Name));
        Assert.Equal(["trace", "report", "role", "class", "usage", "wait_type", "address", "at_function"],
            result.LocksTable.Columns.Select(c => c.Name));
        Assert.Equal(["trace", "report", "section", "depth", "function", "offset", "size", "module", "unreliable", "context_marker"],
            result.FramesTable.Columns.Select(c => c.Name));
        Assert.Equal(["trace", "report", "task", "pid", "index", "class", "address", "at_function"],
            result.HeldLocksTable.Columns.Select(c => c.Name));
        Assert.Equal(result.Reports.Count, result.ReportsTable.RowCount);
        Assert.Equal(result.Reports.Sum(r => r.Locks.Count), result.LocksTable.RowCount);
        Assert.Equal(result.Reports.Sum(r => r.Frames.Count), result.FramesTable.RowCount);
        Assert.Equal(result.Reports.Sum(r => r.HeldLocks.Count), result.HeldLocksTable.RowCount);
    }
}
