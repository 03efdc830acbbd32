using TraceReplay.Core.Events;

namespace TraceReplay.Replay.Engine;

/// <summary>
/// Restores time order for inputs with small disorder (trace_pipe): events are held back until the newest timestamp
/// is <c>window</c> ns past them, then released sorted by (timestamp, input order). An event older than one already
/// released is "late" (outside the window): it is released at once, in input order, and counted. At most
/// <c>maxHeld</c> events are held; beyond that the oldest are released early ("forced") and counted.
/// </summary>
internal sealed class ReorderBuffer
{
    readonly long _window;
    readonly int _maxHeld;
    readonly Action<EventChunk, int> _emit;
    EventChunk _held;
    EventChunk _spare;
    int[] _order = [];
    long _maxTs = long.MinValue;
    long _releasedTs = long.MinValue;

    public ReorderBuffer(long window, int maxHeld, Action<EventChunk, int> emit)
    {
        _window = window;
        _maxHeld = Math.Max(1024, maxHeld);
        _emit = emit;
        _held = new EventChunk(_maxHeld + EventChunk.DefaultCapacity);
        _spare = new EventChunk(_maxHeld + EventChunk.DefaultCapacity);
    }

    public long Forced { get; private set; }

    public void Add(EventChunk chunk)
    {
        for (int r = 0; r < chunk.Count; r++)
        {
            long ts = chunk.TsNs[r];
            if (ts < _releasedTs)
            {
                // Older than what was already replayed: replay it now (the engine counts it as out of order).
                _emit(chunk, r);
                continue;
            }
            if (_held.IsFull) Release(long.MaxValue, keepNewest: true);
            RowCopy.Copy(chunk, r, _held);
            if (ts > _maxTs) _maxTs = ts;
        }
        Release(_maxTs - _window, keepNewest: false);
    }

    public void Flush() => Release(long.MaxValue, keepNewest: false);

    /// <summary>Emits held events with ts ≤ cutoff (all but the newest maxHeld/2 when forced) and keeps the rest.</summary>
    void Release(long cutoff, bool keepNewest)
    {
        int n = _held.Count;
        if (n == 0) return;
        if (_order.Length < n) _order = new int[_held.Capacity];
        for (int i = 0; i < n; i++) _order[i] = i;
        var ts = _held.TsNs;
        var seq = _held.Seq;
        Array.Sort(_order, 0, n, Comparer<int>.Create((a, b) => ts[a] != ts[b] ? ts[a].CompareTo(ts[b]) : seq[a].CompareTo(seq[b])));
        int emitCount = 0;
        if (keepNewest)
        {
            emitCount = n - _maxHeld / 2;
            Forced += emitCount;
        }
        else
            while (emitCount < n && ts[_order[emitCount]] <= cutoff) emitCount++;
        if (emitCount == 0) return;
        for (int i = 0; i < emitCount; i++)
        {
            int row = _order[i];
            _emit(_held, row);
            _releasedTs = ts[row];
        }
        _spare.Clear();
        for (int i = emitCount; i < n; i++) RowCopy.Copy(_held, _order[i], _spare);
        (_held, _spare) = (_spare, _held);
        _spare.Clear();
    }
}

/// <summary>Copies one event row, its payload and fields, between chunks (field text is relocated with the payload).</summary>
internal static class RowCopy
{
    public static void Copy(EventChunk src, int row, EventChunk dst)
    {
        int d = dst.AddRow();
        dst.Seq[d] = src.Seq[row]; dst.Line[d] = src.Line[row]; dst.ByteOffset[d] = src.ByteOffset[row];
        dst.TsNs[d] = src.TsNs[row]; dst.Cpu[d] = src.Cpu[row]; dst.Pid[d] = src.Pid[row]; dst.Tgid[d] = src.Tgid[row];
        dst.Comm[d] = src.Comm[row]; dst.Event[d] = src.Event[row]; dst.Kind[d] = src.Kind[row]; dst.Flags[d] = src.Flags[row];
        dst.Context[d] = src.Context[row]; dst.NeedResched[d] = src.NeedResched[row];
        dst.PreemptDepth[d] = src.PreemptDepth[row]; dst.MigrateDisable[d] = src.MigrateDisable[row];
        int payloadStart = src.PayloadStart[row], payloadLength = src.PayloadLength[row];
        dst.SetPayload(d, src.Payload(row));
        int newPayload = dst.PayloadStart[d];
        int end = src.FieldStart[row] + src.FieldCount[row];
        for (int f = src.FieldStart[row]; f < end; f++)
        {
            int ts = src.FieldTextStart[f], tl = src.FieldTextLength[f];
            int start = ts >= payloadStart && ts + tl <= payloadStart + payloadLength
                ? newPayload + (ts - payloadStart)
                : dst.AppendText(src.Text.AsSpan(ts, tl));
            dst.AddField(d, src.FieldKey[f], src.FieldTypes[f], src.FieldValue[f], start, tl);
        }
    }
}
