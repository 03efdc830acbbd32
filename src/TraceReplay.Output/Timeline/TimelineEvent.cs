using System.Text.Json;

namespace TraceReplay.Output.Timeline;

/// <summary>One Chrome trace event: complete span ("X"), instant ("i"), or one end of a nestable async span ("b"/"e").</summary>
internal sealed class TimelineEvent
{
    public required char Phase { get; init; }
    public required int Pid { get; init; }
    public int Tid { get; init; }
    public required string Name { get; init; }
    public required string Category { get; init; }
    public required long StartNs { get; init; }
    public long EndNs { get; init; }
    public int Depth { get; init; }
    public string? Id { get; init; }
    public string? Scope { get; init; }
    public required List<(string Key, object? Value)> Args { get; init; }
    int _seq;

    public static TimelineEvent Complete(int pid, int tid, string name, string cat, long start, long end, int depth, List<(string, object?)> args)
        => new() { Phase = 'X', Pid = pid, Tid = tid, Name = name, Category = cat, StartNs = start, EndNs = end, Depth = depth, Args = args };

    public static TimelineEvent Instant(int pid, int tid, string name, string cat, long ts, string scope, List<(string, object?)> args)
        => new() { Phase = 'i', Pid = pid, Tid = tid, Name = name, Category = cat, StartNs = ts, EndNs = ts, Depth = 9, Scope = scope, Args = args };

    /// <summary>
    /// Adds the begin and the end of an async span as two events, so that after sorting an inner span (greater
    /// depth) begins after and ends before its outer span at equal timestamps (viewers nest them by order).
    /// </summary>
    public static void Async(List<TimelineEvent> events, int pid, string name, string cat, string id, long start, long end, int depth, List<(string, object?)> args)
    {
        events.Add(new() { Phase = 'b', Pid = pid, Name = name, Category = cat, Id = id, StartNs = start, EndNs = start, Depth = depth, Args = args });
        events.Add(new() { Phase = 'e', Pid = pid, Name = name, Category = cat, Id = id, StartNs = end, EndNs = end, Depth = 100 - depth, Args = [] });
    }

    /// <summary>
    /// Process, thread, start, outer before inner (longer first at equal start), then insertion order (a stable
    /// sort: List.Sort is not, so ties fall back on the sequence number given before sorting).
    /// </summary>
    public static readonly Comparison<TimelineEvent> Order = (a, b) =>
    {
        int c = a.Pid.CompareTo(b.Pid);
        if (c == 0) c = a.Tid.CompareTo(b.Tid);
        if (c == 0) c = a.StartNs.CompareTo(b.StartNs);
        if (c == 0) c = a.Depth.CompareTo(b.Depth);
        if (c == 0) c = b.EndNs.CompareTo(a.EndNs);
        if (c == 0) c = a._seq.CompareTo(b._seq);
        return c;
    };

    public static void Number(List<TimelineEvent> events)
    {
        for (int i = 0; i < events.Count; i++) events[i]._seq = i;
    }

    public void Write(Utf8JsonWriter json)
    {
        Begin(json, Phase, StartNs);
        if (Phase == 'X') json.WriteNumber("dur", Micros(EndNs - StartNs));
        if (Scope != null) json.WriteString("s", Scope);
        if (Id != null) json.WriteString("id", Id);
        if (Phase == 'e')
        {
            json.WriteEndObject();
            return;
        }
        json.WriteStartObject("args");
        foreach (var (key, value) in Args)
            switch (value)
            {
                case null: break;
                case long l: json.WriteNumber(key, l); break;
                case int i: json.WriteNumber(key, i); break;
                case bool b: json.WriteBoolean(key, b); break;
                default: json.WriteString(key, value.ToString()); break;
            }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    void Begin(Utf8JsonWriter json, char phase, long ts)
    {
        json.WriteStartObject();
        json.WriteString("name", Name);
        json.WriteString("cat", Category);
        json.WriteString("ph", phase.ToString());
        json.WriteNumber("ts", Micros(ts));
        json.WriteNumber("pid", Pid);
        json.WriteNumber("tid", Tid);
    }

    /// <summary>ns → µs, exact (decimal keeps all nine digits of the ns value).</summary>
    static decimal Micros(long ns) => ns / 1000m;
}
