namespace TraceReplay.Core.Events;

/// <summary>Input formats told apart by content.</summary>
public enum TraceFormat
{
    Unknown,
    /// <summary>tracefs trace / trace_pipe text, trace-cmd report text, synthetic traces.</summary>
    FtraceText,
    /// <summary>trace-cmd trace.dat v6/v7.</summary>
    TraceDat,
    /// <summary>dmesg / console / syslog with kernel messages.</summary>
    ConsoleLog,
}

/// <summary>What a reader learned about the trace as a whole (header lines, options). Filled while reading.</summary>
public sealed class TraceInfo
{
    public TraceInfo(string name, string path)
    {
        Name = name;
        Path = path;
    }

    /// <summary>The trace's name in every report's trace column (path relative to the analysed root).</summary>
    public string Name { get; }
    public string Path { get; }
    public TraceFormat Format { get; set; }
    /// <summary>Sub-variant, e.g. "tracefs", "trace_pipe", "trace-cmd-report", "trace-cmd-report-l", "latency", "dat-v7-zstd".</summary>
    public string Variant { get; set; } = "";
    /// <summary>"gzip", "zstd" or "" when the file was stored plain.</summary>
    public string Compression { get; set; } = "";
    /// <summary>CPU count from the header (#P:N, cpus=N, trace.dat); 0 when not stated.</summary>
    public int HeaderCpus { get; set; }
    /// <summary>Highest CPU number seen on any event, -1 when none.</summary>
    public int MaxCpuSeen { get; set; } = -1;
    public long EntriesInBuffer { get; set; } = -1;
    public long EntriesWritten { get; set; } = -1;
    /// <summary>Trace clock ("local", "global", "x86-tsc", "counter", …) when known.</summary>
    public string Clock { get; set; } = "";
    /// <summary>True when timestamps are raw counter values, not ns.</summary>
    public bool CounterClock { get; set; }
    /// <summary>Width of the flags column (0 none, 4, 5, 6) as first seen.</summary>
    public int FlagsWidth { get; set; }
    /// <summary>Kernel release when the input states it (trace.dat uname, synthetic header), else "".</summary>
    public string Kernel { get; set; } = "";
    public string Tracer { get; set; } = "";
    public long TotalLines { get; set; }
    public long HeaderLines { get; set; }
    public long BlankLines { get; set; }
    public long Events { get; set; }
    /// <summary>Lost-event markers seen and the number of events they said were lost (when stated).</summary>
    public long LostMarkers { get; set; }
    public long LostEvents { get; set; }
    /// <summary>Lines consumed as continuation of a previous event (multi-line payloads, stack frames).</summary>
    public long ContinuationLines { get; set; }

    public int Cpus => Math.Max(HeaderCpus, MaxCpuSeen + 1);

    /// <summary>Zeroes the line and event counters (a reader that starts counting at a segment of the input).</summary>
    public void ResetCounts()
    {
        TotalLines = HeaderLines = BlankLines = Events = LostMarkers = LostEvents = ContinuationLines = 0;
        MaxCpuSeen = -1;
    }

    /// <summary>Adds the counters of a later part of the same input, read on its own.</summary>
    public void AddCounts(TraceInfo part)
    {
        TotalLines += part.TotalLines;
        HeaderLines += part.HeaderLines;
        BlankLines += part.BlankLines;
        Events += part.Events;
        LostMarkers += part.LostMarkers;
        LostEvents += part.LostEvents;
        ContinuationLines += part.ContinuationLines;
        MaxCpuSeen = Math.Max(MaxCpuSeen, part.MaxCpuSeen);
    }
}
