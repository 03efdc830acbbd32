using System.Globalization;
using System.Text;
using TraceReplay.Core.Events;
using TraceReplay.Ingest.TraceDat;

namespace TraceReplay.Tests.TraceDat;

/// <summary>Typed fields (CONTRACT.md) checked against the key=value text trace-cmd printed for the same record.</summary>
public class TraceDatFieldTests
{
    [Theory]
    [InlineData("small_v7zstd")]
    [InlineData("paired_small_v7")]
    [InlineData("lisa_sched_load_trace_v6_arm64")]
    public void Field_values_equal_key_value_text_of_trace_cmd_report(string fixture)
    {
        var report = TraceDatFixtures.ReportLines(fixture, "").Skip(1).ToList(); // skip cpus=N
        var info = new TraceInfo(fixture, fixture);
        using var reader = new TraceDatReader(TraceDatFixtures.DatPath(fixture), info);
        var chunk = new EventChunk(4096);
        int line = 0, checkedFields = 0;
        while (reader.Read(chunk))
        {
            for (int i = 0; i < chunk.Count; i++, line++)
            {
                if (chunk.Kind[i] == EventKind.Lost) continue;
                string name = reader.Names[chunk.Event[i]];
                string reported = report[line];
                int at = reported.IndexOf($" {name}: ", StringComparison.Ordinal);
                Assert.True(at > 0, $"line {line + 2}: event {name} not in '{reported}'");
                string payload = reported[(at + name.Length + 3)..].TrimStart(' ');
                foreach (var (key, rest) in KeyValues(payload))
                {
                    if (!reader.Names.TryGetId(key, out int keyId)) continue;
                    int f = chunk.FindField(i, keyId);
                    if (f < 0) continue;
                    // the printed value starts with our field text (units such as "16384B" or a comm with spaces follow)
                    string mine = Encoding.UTF8.GetString(chunk.FieldText(f));
                    Assert.True(mine.Length > 0 && rest.StartsWith(mine, StringComparison.Ordinal), $"line {line + 2}: {key}='{mine}' vs '{rest}'");
                    CheckTypedValue(chunk, f, mine);
                    checkedFields++;
                }
            }
        }
        Assert.Equal(report.Count, line);
        Assert.True(checkedFields > 1000, $"only {checkedFields} fields compared");
    }

    static void CheckTypedValue(EventChunk c, int f, string text)
    {
        switch (c.FieldTypes[f])
        {
            case FieldType.Int:
                Assert.Equal(long.Parse(text, CultureInfo.InvariantCulture), c.FieldValue[f]);
                break;
            case FieldType.Hex:
                string h = text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text;
                ulong v = text == "(nil)" ? 0 : ulong.Parse(h, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                Assert.Equal(v, (ulong)c.FieldValue[f]);
                break;
        }
    }

    /// <summary>For every "key=" in the payload: the key and the text after '=' up to the end of the payload.</summary>
    static IEnumerable<(string, string)> KeyValues(string payload)
    {
        for (int eq = payload.IndexOf('='); eq > 0; eq = payload.IndexOf('=', eq + 1))
        {
            int st = eq;
            while (st > 0 && (char.IsAsciiLetterOrDigit(payload[st - 1]) || payload[st - 1] == '_'))
                st--;
            if (st < eq && eq + 1 < payload.Length)
                yield return (payload[st..eq], payload[(eq + 1)..]);
        }
    }

    [Fact]
    public void Contract_fields_of_replay_events_have_the_promised_keys_and_types()
    {
        // Expected types read off CONTRACT.md; values spot-checked against small_v7zstd.report.txt.gz.
        var expect = new Dictionary<string, (string Key, FieldType Type)[]>
        {
            ["sched_switch"] = [("prev_comm", FieldType.Text), ("prev_pid", FieldType.Int), ("prev_prio", FieldType.Int), ("prev_state", FieldType.Text),
                ("next_comm", FieldType.Text), ("next_pid", FieldType.Int), ("next_prio", FieldType.Int)],
            ["workqueue_queue_work"] = [("work", FieldType.Hex), ("function", FieldType.Text), ("workqueue", FieldType.Text), ("req_cpu", FieldType.Int), ("cpu", FieldType.Int)],
            ["workqueue_activate_work"] = [("work", FieldType.Hex), ("function", FieldType.Text)],
            ["workqueue_execute_start"] = [("work", FieldType.Hex), ("function", FieldType.Text)],
            ["workqueue_execute_end"] = [("work", FieldType.Hex), ("function", FieldType.Text)],
            ["softirq_entry"] = [("vec", FieldType.Int), ("action", FieldType.Text)],
            ["cgroup_mkdir"] = [("root", FieldType.Int), ("id", FieldType.Int), ("level", FieldType.Int), ("path", FieldType.Text)],
            ["kmem_cache_free"] = [("call_site", FieldType.Text), ("ptr", FieldType.Hex), ("name", FieldType.Text)],
            ["kmem_cache_alloc"] = [("call_site", FieldType.Text), ("ptr", FieldType.Hex), ("name", FieldType.Text), ("bytes_req", FieldType.Int),
                ("bytes_alloc", FieldType.Int), ("gfp_flags", FieldType.Text), ("node", FieldType.Int), ("accounted", FieldType.Text)],
            ["rcu_utilization"] = [("s", FieldType.Text)],
            ["contention_begin"] = [("lock_addr", FieldType.Hex), ("flags", FieldType.Text)],
            ["print"] = [("ip", FieldType.Text), ("buf", FieldType.Text)],
        };
        var info = new TraceInfo("small_v7zstd", "x");
        using var reader = new TraceDatReader(TraceDatFixtures.DatPath("small_v7zstd"), info);
        var chunk = new EventChunk();
        var seen = new HashSet<string>();
        while (reader.Read(chunk))
            for (int i = 0; i < chunk.Count; i++)
            {
                string name = reader.Names[chunk.Event[i]];
                if (!expect.TryGetValue(name, out var keys)) continue;
                seen.Add(name);
                foreach (var (key, type) in keys)
                {
                    int f = chunk.FindField(i, reader.Names.Intern(key));
                    Assert.True(f >= 0, $"{name} lacks {key}");
                    Assert.Equal(type, chunk.FieldTypes[f]);
                }
                if (name == "print")
                    Assert.Equal(EventKind.Print, chunk.Kind[i]);
            }
        Assert.Equal(expect.Keys.Order(), seen.Order());
    }

    [Fact]
    public void First_sched_switch_matches_the_report_text_and_values()
    {
        // small_v7zstd.report.txt.gz, first sched_switch line:
        var line = TraceDatFixtures.ReportLines("small_v7zstd", "").First(l => l.Contains(" sched_switch: "));
        var info = new TraceInfo("small_v7zstd", "x");
        using var reader = new TraceDatReader(TraceDatFixtures.DatPath("small_v7zstd"), info);
        var chunk = new EventChunk();
        Assert.True(reader.Read(chunk));
        int id = reader.Names.Intern("sched_switch");
        int row = Enumerable.Range(0, chunk.Count).First(i => chunk.Event[i] == id);
        string payload = Encoding.UTF8.GetString(chunk.Payload(row));
        Assert.EndsWith(payload, line);
        // "prev:pid [prio] S ==> next:pid [prio]": pick the numbers out of the report text independently
        var parts = payload.Split(' ');
        int prevPid = int.Parse(parts[0][(parts[0].LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        Assert.True(chunk.TryGetValue(row, reader.Names.Intern("prev_pid"), out long v));
        Assert.Equal(prevPid, v);
        Assert.Equal(parts[2], Encoding.UTF8.GetString(chunk.GetText(row, reader.Names.Intern("prev_state"))));
    }
}
