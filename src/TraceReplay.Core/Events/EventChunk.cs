using System.Runtime.CompilerServices;
using TraceReplay.Core.Interning;

namespace TraceReplay.Core.Events;

/// <summary>
/// A block of up to <see cref="Capacity"/> events in columns. Readers fill it, sinks (replay, writers) consume it,
/// then it is cleared and reused: a chunk's contents are valid only until the next Clear().
/// Strings are interned ids into the trace's <see cref="NameTable"/>; payload and field text are spans of <see cref="Text"/>.
/// </summary>
public sealed class EventChunk
{
    public const int DefaultCapacity = 16384;

    public EventChunk(int capacity = DefaultCapacity)
    {
        Capacity = capacity;
        Seq = new long[capacity];
        Line = new long[capacity];
        ByteOffset = new long[capacity];
        TsNs = new long[capacity];
        Cpu = new int[capacity];
        Pid = new int[capacity];
        Tgid = new int[capacity];
        Comm = new int[capacity];
        Event = new int[capacity];
        Kind = new EventKind[capacity];
        Flags = new int[capacity];
        Context = new ContextBits[capacity];
        NeedResched = new byte[capacity];
        PreemptDepth = new sbyte[capacity];
        MigrateDisable = new sbyte[capacity];
        PayloadStart = new int[capacity];
        PayloadLength = new int[capacity];
        FieldStart = new int[capacity];
        FieldCount = new int[capacity];
        Text = new byte[capacity * 128];
        FieldKey = new int[capacity * 8];
        FieldTypes = new FieldType[capacity * 8];
        FieldValue = new long[capacity * 8];
        FieldTextStart = new int[capacity * 8];
        FieldTextLength = new int[capacity * 8];
    }

    public int Capacity { get; }
    public int Count { get; private set; }
    public bool IsFull => Count == Capacity;

    /// <summary>Order of the event in its input (0-based, across chunks).</summary>
    public long[] Seq;
    /// <summary>1-based line of the event in the (decompressed) text; 0 for binary input.</summary>
    public long[] Line;
    /// <summary>Byte offset of the line or record in the (decompressed) input.</summary>
    public long[] ByteOffset;
    /// <summary>Timestamp in ns (or raw counter ticks for counter clocks; see TraceInfo.Clock).</summary>
    public long[] TsNs;
    public int[] Cpu;
    public int[] Pid;
    /// <summary>-1 when the input has no TGID column.</summary>
    public int[] Tgid;
    /// <summary>Interned comm id (0 = unknown, e.g. "&lt;...&gt;" is kept as its own name).</summary>
    public int[] Comm;
    /// <summary>Interned event name id ("sched_switch", "function", "funcgraph_entry", "p_kmem_cache_destroy_0", …).</summary>
    public int[] Event;
    public EventKind[] Kind;
    /// <summary>Interned raw flags text as printed ("d.s2.", "1dNs2.") — id 0 when absent.</summary>
    public int[] Flags;
    public ContextBits[] Context;
    /// <summary>The need-resched letter as printed (N n p B L b l) or 0 for none/unknown.</summary>
    public byte[] NeedResched;
    /// <summary>-1 unknown.</summary>
    public sbyte[] PreemptDepth;
    /// <summary>-1 unknown (absent column or pre-5.15 kernel).</summary>
    public sbyte[] MigrateDisable;
    public int[] PayloadStart;
    public int[] PayloadLength;
    public int[] FieldStart;
    public int[] FieldCount;

    /// <summary>Arena holding payload and field text bytes (UTF-8).</summary>
    public byte[] Text;
    public int TextLength;

    public int[] FieldKey;
    public FieldType[] FieldTypes;
    public long[] FieldValue;
    public int[] FieldTextStart;
    public int[] FieldTextLength;
    public int FieldTotal;

    public void Clear()
    {
        Count = 0;
        TextLength = 0;
        FieldTotal = 0;
    }

    /// <summary>
    /// Exchanges the rows of two chunks of the same capacity by swapping their column arrays: a reader that parses into
    /// chunks of its own hands one to its caller without copying.
    /// </summary>
    public void SwapContents(EventChunk other)
    {
        if (other.Capacity != Capacity)
            throw new ArgumentException($"chunk capacities differ ({Capacity} vs {other.Capacity})", nameof(other));
        (Seq, other.Seq) = (other.Seq, Seq);
        (Line, other.Line) = (other.Line, Line);
        (ByteOffset, other.ByteOffset) = (other.ByteOffset, ByteOffset);
        (TsNs, other.TsNs) = (other.TsNs, TsNs);
        (Cpu, other.Cpu) = (other.Cpu, Cpu);
        (Pid, other.Pid) = (other.Pid, Pid);
        (Tgid, other.Tgid) = (other.Tgid, Tgid);
        (Comm, other.Comm) = (other.Comm, Comm);
        (Event, other.Event) = (other.Event, Event);
        (Kind, other.Kind) = (other.Kind, Kind);
        (Flags, other.Flags) = (other.Flags, Flags);
        (Context, other.Context) = (other.Context, Context);
        (NeedResched, other.NeedResched) = (other.NeedResched, NeedResched);
        (PreemptDepth, other.PreemptDepth) = (other.PreemptDepth, PreemptDepth);
        (MigrateDisable, other.MigrateDisable) = (other.MigrateDisable, MigrateDisable);
        (PayloadStart, other.PayloadStart) = (other.PayloadStart, PayloadStart);
        (PayloadLength, other.PayloadLength) = (other.PayloadLength, PayloadLength);
        (FieldStart, other.FieldStart) = (other.FieldStart, FieldStart);
        (FieldCount, other.FieldCount) = (other.FieldCount, FieldCount);
        (Text, other.Text) = (other.Text, Text);
        (FieldKey, other.FieldKey) = (other.FieldKey, FieldKey);
        (FieldTypes, other.FieldTypes) = (other.FieldTypes, FieldTypes);
        (FieldValue, other.FieldValue) = (other.FieldValue, FieldValue);
        (FieldTextStart, other.FieldTextStart) = (other.FieldTextStart, FieldTextStart);
        (FieldTextLength, other.FieldTextLength) = (other.FieldTextLength, FieldTextLength);
        (Count, other.Count) = (other.Count, Count);
        (TextLength, other.TextLength) = (other.TextLength, TextLength);
        (FieldTotal, other.FieldTotal) = (other.FieldTotal, FieldTotal);
    }

    /// <summary>Starts a new row with every column at its "unknown" value and returns its index.</summary>
    public int AddRow()
    {
        if (Count == Capacity)
            throw new InvalidOperationException("EventChunk is full");
        int i = Count++;
        Seq[i] = 0; Line[i] = 0; ByteOffset[i] = 0; TsNs[i] = 0;
        Cpu[i] = -1; Pid[i] = -1; Tgid[i] = -1; Comm[i] = 0; Event[i] = 0;
        Kind[i] = EventKind.Tracepoint; Flags[i] = 0; Context[i] = ContextBits.None;
        NeedResched[i] = 0; PreemptDepth[i] = -1; MigrateDisable[i] = -1;
        PayloadStart[i] = TextLength; PayloadLength[i] = 0;
        FieldStart[i] = FieldTotal; FieldCount[i] = 0;
        return i;
    }

    /// <summary>
    /// Starts a new row leaving Seq … MigrateDisable as they were (stale values of an earlier chunk): for readers that
    /// set every one of those columns themselves, so each is written once per event. Payload and fields start empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per text event: the call cost more than the body
    public int AddRowUnset()
    {
        if (Count == Capacity)
            ThrowFull();
        int i = Count++;
        PayloadStart[i] = TextLength; PayloadLength[i] = 0;
        FieldStart[i] = FieldTotal; FieldCount[i] = 0;
        return i;
    }

    static void ThrowFull() => throw new InvalidOperationException("EventChunk is full");

    /// <summary>The flags columns of a row whose input carries no flags (what <see cref="AddRow"/> would have set).</summary>
    public void SetNoFlags(int row)
    {
        Flags[row] = 0;
        Context[row] = ContextBits.None;
        NeedResched[row] = 0;
        PreemptDepth[row] = -1;
        MigrateDisable[row] = -1;
    }

    /// <summary>Drops the last row (a reader found it malformed after starting it).</summary>
    public void RemoveLastRow()
    {
        int i = Count - 1;
        FieldTotal = FieldStart[i];
        TextLength = PayloadStart[i];
        Count = i;
    }

    /// <summary>Copies bytes into the arena and returns their start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int AppendText(ReadOnlySpan<byte> utf8)
    {
        if (TextLength + utf8.Length > Text.Length)
            EnsureText(utf8.Length);
        utf8.CopyTo(Text.AsSpan(TextLength));
        int start = TextLength;
        TextLength += utf8.Length;
        return start;
    }

    /// <summary>Sets row's payload; must be called before its fields so field text can point into it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetPayload(int row, ReadOnlySpan<byte> utf8)
    {
        PayloadStart[row] = AppendText(utf8);
        PayloadLength[row] = utf8.Length;
    }

    /// <summary>Appends bytes to the payload of the last row (multi-line payloads); the payload must end the arena.</summary>
    public void ExtendPayload(int row, ReadOnlySpan<byte> utf8)
    {
        if (PayloadStart[row] + PayloadLength[row] != TextLength)
            throw new InvalidOperationException("payload is not at the end of the arena");
        AppendText(utf8);
        PayloadLength[row] += utf8.Length;
    }

    public ReadOnlySpan<byte> Payload(int row) => Text.AsSpan(PayloadStart[row], PayloadLength[row]);

    /// <summary>Adds a field to the last row. textStart/textLength index the arena (usually inside the payload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // ~8 per event in every reader: the call cost ~6 % of trace.dat decoding
    public void AddField(int row, int key, FieldType type, long value, int textStart, int textLength)
    {
        if (FieldTotal == FieldKey.Length)
            GrowFields();
        int f = FieldTotal++;
        FieldKey[f] = key;
        FieldTypes[f] = type;
        FieldValue[f] = value;
        FieldTextStart[f] = textStart;
        FieldTextLength[f] = textLength;
        FieldCount[row]++;
    }

    /// <summary>Makes room for <paramref name="extra"/> more fields, for readers that fill the field columns directly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureFieldCapacity(int extra)
    {
        if (FieldTotal + extra > FieldKey.Length)
            GrowFieldsFor(extra);
    }

    void GrowFieldsFor(int extra)
    {
        while (FieldTotal + extra > FieldKey.Length)
            GrowFields();
    }

    /// <summary>Adds a text field whose bytes are copied into the arena (values not inside the payload).</summary>
    public void AddTextField(int row, int key, ReadOnlySpan<byte> utf8)
    {
        int start = AppendText(utf8);
        AddField(row, key, FieldType.Text, 0, start, utf8.Length);
    }

    public ReadOnlySpan<byte> FieldText(int field) => Text.AsSpan(FieldTextStart[field], FieldTextLength[field]);

    /// <summary>Index of the row's field with this key, or -1.</summary>
    public int FindField(int row, int key)
    {
        int end = FieldStart[row] + FieldCount[row];
        for (int f = FieldStart[row]; f < end; f++)
            if (FieldKey[f] == key)
                return f;
        return -1;
    }

    public bool TryGetValue(int row, int key, out long value)
    {
        int f = FindField(row, key);
        if (f < 0 || FieldTypes[f] == FieldType.Text) { value = 0; return false; }
        value = FieldValue[f];
        return true;
    }

    public ReadOnlySpan<byte> GetText(int row, int key)
    {
        int f = FindField(row, key);
        return f < 0 ? default : FieldText(f);
    }

    void EnsureText(int extra)
    {
        if (TextLength + extra <= Text.Length)
            return;
        Array.Resize(ref Text, Math.Max(Text.Length * 2, TextLength + extra));
    }

    void GrowFields()
    {
        int n = FieldKey.Length * 2;
        Array.Resize(ref FieldKey, n);
        Array.Resize(ref FieldTypes, n);
        Array.Resize(ref FieldValue, n);
        Array.Resize(ref FieldTextStart, n);
        Array.Resize(ref FieldTextLength, n);
    }
}
