namespace TraceReplay.Ingest;
public static class TraceOpener { public static TraceReplay.Core.Events.IEventReader Open(string p, string n) => throw new NotSupportedException(); }
