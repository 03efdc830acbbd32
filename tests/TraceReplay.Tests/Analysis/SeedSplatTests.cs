using System.Text.RegularExpressions;
using TraceReplay.Synth;

namespace TraceReplay.Tests.Analysis;

/// <summary>
/// The seed splat (commit c8b2a36f): on the modeled 3.7 kernel the lock findings must say what lockdep said. The oracle is
/// the dmesg the synthetic kernel's own lockdep model printed (FILE.dmesg.txt), read here with a regex — not the analysis.
/// </summary>
public sealed class SeedSplatTests
{
    const string IdLock = "&(&ss->id_lock)->rlock";
    const string TreeLock = "&(&rtpz->lock)->rlock";

    [Theory]
    [InlineData(SynthStyle.Function, 1)]
    [InlineData(SynthStyle.Function, 2)]
    [InlineData(SynthStyle.Kprobe, 1)]
    [InlineData(SynthStyle.Kprobe, 3)]
    public void MemcgFree37_LockFindingsMatchTheSplat(SynthStyle style, long seed)
    {
        string dir = Directory.CreateTempSubdirectory("tr-seed-").FullName;
        try
        {
            string path = Path.Combine(dir, "memcg-free-3.7.txt");
            var result = SyntheticTrace.Write(new SynthOptions("memcg-free", "3.7", 2, seed, Style: style, WithDmesg: true), path);
            string dmesg = File.ReadAllText(result.DmesgPath!);
            var splat = Regex.Match(dmesg, @"\[\s*(\d+)\.(\d{6})\] inconsistent \{(?<from>[A-Z-]+)\} -> \{(?<to>[A-Z-]+)\} usage\.");
            Assert.True(splat.Success, "the modeled kernel printed no inconsistent-lock-state splat");
            var takes = Regex.Match(dmesg, @"\] +\((?<cls>[^)]*\)->rlock)\)(?<usage>\{[^}]*\}), at: \[<[0-9a-f]+>\] (?<fn>\w+)\+");
            var registered = Regex.Match(dmesg, @"state was registered at:\n(?:.*\n){2}.*_raw_spin_lock\+.*\n.*\] (?<fn>\w+)\+");
            var (reports, _, _) = AnalysisRun.Run(path, "3.7");
            var findings = reports.Table("lock_findings");
            var usage = reports.Table("lock_usage");

            // Both the css id lock and the per-zone tree lock are reported, each {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}.
            foreach (string cls in (string[])[IdLock, TreeLock])
            {
                int f = findings.Rows().Single(r => findings.Str("lock_class", r) == cls && findings.Str("kind", r) == "inconsistent_lock_state");
                Assert.Equal("{SOFTIRQ-ON-W}", findings.Str("usage_from", f));
                Assert.Equal("{IN-SOFTIRQ-W}", findings.Str("usage_to", f));
                string evidence = findings.Str("evidence", f)!;
                Assert.Contains("rcu-callback", evidence);                     // the conflict: an RCU callback in softirq…
                Assert.Contains("RCU callback delayed_put_task_struct", evidence); // …the task destructor
                Assert.True(findings.Long("other_ts_ns", f) < findings.Long("ts_ns", f));
            }
            // The unsafe frees name the 3.3–3.7 rule (the last mem_cgroup_put() frees synchronously).
            var frees = reports.Table("unsafe_frees");
            Assert.NotEqual(0, frees.RowCount);
            Assert.All(frees.Rows(), r => Assert.Equal("memcg-free-sync-last-put", frees.Str("rule", r)));

            // The splat lockdep printed first is the same class, same transition, same time (µs) and same usage string.
            string splatClass = takes.Groups["cls"].Value;
            int first = findings.Rows().Where(r => findings.Str("lock_class", r) == splatClass).Single();
            Assert.Equal("{" + splat.Groups["from"].Value + "}", findings.Str("usage_from", first));
            Assert.Equal("{" + splat.Groups["to"].Value + "}", findings.Str("usage_to", first));
            long splatUs = long.Parse(splat.Groups[1].Value) * 1_000_000 + long.Parse(splat.Groups[2].Value);
            Assert.Equal(splatUs, findings.Long("ts_ns", first)!.Value / 1000);
            Assert.Equal(takes.Groups["usage"].Value, usage.Str("usage", usage.Where("lock_class", splatClass).First()));
            Assert.Contains(takes.Groups["fn"].Value, findings.Str("evidence", first));       // where it was taken in softirq
            Assert.True(registered.Success);
            Assert.Contains(registered.Groups["fn"].Value, findings.Str("evidence", first)); // where SOFTIRQ-ON-W was registered

            // The css id lock was registered on the creation path (alloc_css_id called by cgroup_mkdir right after
            // mem_cgroup_create, kernel.md §1.1), in process context (the lock_acquire event itself runs with preemption
            // off inside the spinlock: "...2").
            int idReg = usage.Rows().Single(r => usage.Str("lock_class", r) == IdLock && usage.Str("usage_bit", r) == "SOFTIRQ-ON-W");
            Assert.Contains(usage.Str("first_context", idReg), (string[])["task", "task-atomic"]);
            Assert.StartsWith("alloc_css_id", usage.Str("first_function", idReg));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
