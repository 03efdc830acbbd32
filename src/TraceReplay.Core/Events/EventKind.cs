namespace TraceReplay.Core.Events;

/// <summary>What produced a row. Tracepoints and everything else keep their own event name; the kind says which grammar applied.</summary>
public enum EventKind : byte
{
    /// <summary>A tracepoint "name: payload" line (or binary record) — also unknown events.</summary>
    Tracepoint = 0,
    /// <summary>Function tracer: field ip (function) and parent_ip (caller). Event name "function".</summary>
    Function = 1,
    /// <summary>function_graph entry "func() {" — event name "funcgraph_entry"; field func, depth.</summary>
    GraphEntry = 2,
    /// <summary>function_graph exit "} /* func */" — event name "funcgraph_exit"; fields func (when printed), duration_ns, depth.</summary>
    GraphExit = 3,
    /// <summary>function_graph leaf "func();" — event name "funcgraph_entry"+"funcgraph_exit" in one row; fields func, duration_ns, depth.</summary>
    GraphLeaf = 4,
    /// <summary>kprobe hit: fields probe_func, probe_offset and the probe's args.</summary>
    Kprobe = 5,
    /// <summary>kretprobe hit: fields probe_func (the returning function), ret_ip and args.</summary>
    Kretprobe = 6,
    /// <summary>print / bprint / bputs / trace_marker text.</summary>
    Print = 7,
    /// <summary>A &lt;stack trace&gt; or &lt;user stack trace&gt; block; field stack = frames joined by ';', parent_seq = the event it follows.</summary>
    Stack = 8,
    /// <summary>Lost events marker (dropped pages, "[N EVENTS DROPPED]", "CPU:N [LOST N EVENTS]"); field count when known.</summary>
    Lost = 9,
    /// <summary>function_graph context-switch separator "=> comm-pid".</summary>
    GraphSwitch = 10,
}

/// <summary>Type of one parsed field value.</summary>
public enum FieldType : byte
{
    /// <summary>Text only (Text span).</summary>
    Text = 0,
    /// <summary>Signed decimal integer in Value.</summary>
    Int = 1,
    /// <summary>Hex number (pointer, address, flags) in Value, bit pattern of a ulong.</summary>
    Hex = 2,
}

/// <summary>Decoded execution-context bits of one event, from the flags column (text) or common_flags (binary).</summary>
[Flags]
public enum ContextBits : byte
{
    None = 0,
    /// <summary>The event carried a flags column / common_flags at all; without it every other bit is "unknown".</summary>
    Known = 1,
    IrqsOff = 2,
    BhOff = 4,
    HardIrq = 8,
    SoftIrq = 16,
    Nmi = 32,
    /// <summary>Column 1 was 'X': the arch cannot report irq state.</summary>
    IrqsNotSupported = 64,
}
