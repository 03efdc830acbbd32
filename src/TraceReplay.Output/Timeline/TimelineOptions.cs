namespace TraceReplay.Output.Timeline;

/// <summary>What to export: one trace of an output folder, optionally only the window [FromNs, ToNs] (ns, inclusive).</summary>
public sealed record TimelineOptions(string OutputFolder, string Trace, long? FromNs = null, long? ToNs = null);
