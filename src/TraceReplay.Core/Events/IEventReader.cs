using TraceReplay.Core.Diagnostics;
using TraceReplay.Core.Interning;

namespace TraceReplay.Core.Events;

/// <summary>
/// Pull-style event source. Each Read clears the chunk and fills it with the next events in input order.
/// Never throws on bad input: problems go to <see cref="Errors"/> and reading goes on.
/// </summary>
public interface IEventReader : IDisposable
{
    TraceInfo Info { get; }
    NameTable Names { get; }
    IngestErrorLog Errors { get; }

    /// <summary>Returns false when the input is exhausted and the chunk is empty.</summary>
    bool Read(EventChunk chunk);
}

/// <summary>Consumes the chunks of one trace in order (writers, replay). A chunk is valid only during Consume.</summary>
public interface IEventSink
{
    void Begin(TraceInfo info, NameTable names);
    void Consume(EventChunk chunk);
    void End();
}
