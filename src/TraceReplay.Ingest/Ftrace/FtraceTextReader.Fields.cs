using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Ftrace;

// Payload → typed fields, keyed by the event's format-file field names (CONTRACT.md). Runs once the payload is
// complete (after any continuation lines), on the payload bytes in the chunk arena so field spans point into it.
public sealed partial class FtraceTextReader
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void ParseFields(EventChunk chunk, int row)
    {
        int start = chunk.PayloadStart[row];
        var p = chunk.Text.AsSpan(start, chunk.PayloadLength[row]);
        switch (chunk.Kind[row])
        {
            case EventKind.Print: ParsePrint(chunk, row, p, start); return;
            case EventKind.Stack: ParseStack(chunk, row, p); return;
            case EventKind.Kprobe:
            case EventKind.Kretprobe: ParseProbe(chunk, row, p, start); return;
        }
        switch (GrammarOf(chunk.Event[row]))
        {
            case Grammar.SchedSwitch:
                if (p.IndexOf("prev_comm="u8) < 0) ParseSchedSwitchPlugin(chunk, row, p, start);
                else ParseKeyValues(chunk, row, p, start);
                return;
            case Grammar.WholeAsS: chunk.AddField(row, _keyS, FieldType.Text, 0, start, p.Length); return;
            case Grammar.RcuNamed: ParseRcuNamed(chunk, row, p, start); return;
            case Grammar.RcuBarrier: ParseRcuBarrier(chunk, row, p, start); return;
            case Grammar.RcuGracePeriod: ParseRcuGracePeriod(chunk, row, p, start); return;
            case Grammar.LockAcquire: ParseLock(chunk, row, p, start, withFlags: true); return;
            case Grammar.Lock: ParseLock(chunk, row, p, start, withFlags: false); return;
            case Grammar.Workqueue: ParseWorkqueue(chunk, row, p, start); return;
            case Grammar.Contention: ParseContention(chunk, row, p, start); return;
            case Grammar.RawSyscall: ParseRawSyscall(chunk, row, p, start); return;
            default: ParseKeyValues(chunk, row, p, start); return;
        }
    }

    enum Grammar : byte { Unset, KeyValue, SchedSwitch, WholeAsS, RcuNamed, RcuBarrier, RcuGracePeriod, LockAcquire, Lock, Workqueue, Contention, RawSyscall }

    /// <summary>Special grammar per event id, decided once per name.</summary>
    Grammar[] _grammar = new Grammar[256];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    Grammar GrammarOf(int ev)
    {
        if (ev >= _grammar.Length)
            Array.Resize(ref _grammar, Math.Max(ev + 1, _grammar.Length * 2));
        var g = _grammar[ev];
        if (g != Grammar.Unset)
            return g;
        g = ev == _idSchedSwitch ? Grammar.SchedSwitch
            : ev == _idRcuUtilization ? Grammar.WholeAsS
            : _rcuNamedEvents.Contains(ev) ? Grammar.RcuNamed
            : ev == _idRcuBarrier ? Grammar.RcuBarrier
            : ev == _idRcuGracePeriod ? Grammar.RcuGracePeriod
            : ev == _idLockAcquire ? Grammar.LockAcquire
            : ev == _idLockRelease || ev == _idLockContended || ev == _idLockAcquired ? Grammar.Lock
            : ev == _idWqQueue || ev == _idWqActivate || ev == _idWqStart || ev == _idWqEnd ? Grammar.Workqueue
            : ev == _idContentionBegin || ev == _idContentionEnd ? Grammar.Contention
            : ev == _idSysEnter || ev == _idSysExit ? Grammar.RawSyscall
            : Grammar.KeyValue;
        _grammar[ev] = g;
        return g;
    }

    /// <summary>
    /// Generic "key=value key=value" with the conventions of real payloads: a value runs to the next token that holds
    /// '=' (so comms and paths with spaces survive, "ARRAY[0f, 00]" too); tokens without '=' ("(sym+0x1)", "==>",
    /// "[FAILED TO PARSE]") are skipped; "[action=RCU]" loses its brackets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void ParseKeyValues(EventChunk chunk, int row, ReadOnlySpan<byte> p, int baseOffset)
    {
        var template = TemplateOf(chunk.Event[row]);
        if (template.Count > 0 && TryParseWithTemplate(chunk, row, p, baseOffset, template))
            return;
        if (template.Unusable)
        {
            ParseKeyValuesGeneral(chunk, row, p, baseOffset);
            return;
        }
        template.Count = 0;
        _recording = template;
        _recordingUsable = true;
        ParseKeyValuesGeneral(chunk, row, p, baseOffset);
        if (!_recordingUsable)
        {
            template.Count = 0;
            template.Unusable = true;
        }
        _recording = null;
    }

    void ParseKeyValuesGeneral(EventChunk chunk, int row, ReadOnlySpan<byte> p, int baseOffset)
    {
        // Visits only the spaces and '=' signs (found 32 bytes at a time), not every byte. A field is emitted when
        // the next token holding '=' (or the end) is reached.
        var kv = new KeyValueState { KeyStart = -1 };
        int tokenStart = 0;
        int firstEq = -1;
        int n = p.Length;
        // p is the arena slice at baseOffset; blocks may read past the payload inside the arena (bits masked off)
        byte[] arena = chunk.Text;
        for (int block = 0; block < n; block += 32)
        {
            Vector256<byte> v;
            if (baseOffset + block + 32 <= arena.Length)
            {
                v = Vector256.Create((ReadOnlySpan<byte>)arena.AsSpan(baseOffset + block, 32));
            }
            else
            {
                v = LoadTail(p[block..]);
            }
            uint valid = n - block >= 32 ? uint.MaxValue : (1u << (n - block)) - 1;
            // a newline (multi-line payload) separates tokens like a space
            uint spaces = (Vector256.Equals(v, Vector256.Create((byte)' ')) | Vector256.Equals(v, Vector256.Create((byte)'\n')))
                .ExtractMostSignificantBits() & valid;
            uint equals = Vector256.Equals(v, Vector256.Create((byte)'=')).ExtractMostSignificantBits() & valid;
            uint marks = spaces | equals;
            while (marks != 0)
            {
                int bit = BitOperations.TrailingZeroCount(marks);
                marks &= marks - 1;
                int at = block + bit;
                if ((spaces & (1u << bit)) == 0)
                {
                    if (firstEq < 0) firstEq = at;
                    continue;
                }
                if (at > tokenStart)
                    OnToken(chunk, row, p, baseOffset, ref kv, tokenStart, at, firstEq);
                tokenStart = at + 1;
                firstEq = -1;
            }
        }
        if (n > tokenStart)
            OnToken(chunk, row, p, baseOffset, ref kv, tokenStart, n, firstEq);
        if (kv.KeyStart >= 0)
            EmitKeyValue(chunk, row, p, baseOffset, kv.KeyStart, kv.KeyEnd, kv.ValueStart, kv.ValueEnd, kv.Bracketed);
    }

    /// <summary>The last bytes of a payload that ends the arena, zero-padded to a vector (rare: arena end).</summary>
    static Vector256<byte> LoadTail(ReadOnlySpan<byte> rest)
    {
        Span<byte> tail = stackalloc byte[32];
        tail.Clear();
        rest[..Math.Min(rest.Length, 32)].CopyTo(tail);
        return Vector256.Create((ReadOnlySpan<byte>)tail);
    }

    struct KeyValueState
    {
        public int KeyStart, KeyEnd, ValueStart, ValueEnd;
        public bool Bracketed;
    }

    void OnToken(EventChunk chunk, int row, ReadOnlySpan<byte> p, int baseOffset, ref KeyValueState kv, int s, int e, int eq)
    {
        if (kv.KeyStart >= 0)
        {
            if (eq < 0 && p[s] != '[')
            {
                kv.ValueEnd = e; // a value with spaces continues over this token
                return;
            }
            EmitKeyValue(chunk, row, p, baseOffset, kv.KeyStart, kv.KeyEnd, kv.ValueStart, kv.ValueEnd, kv.Bracketed);
            kv.KeyStart = -1;
        }
        if (eq > s)
        {
            kv.Bracketed = p[s] == '[';
            kv.KeyStart = kv.Bracketed ? s + 1 : s;
            kv.KeyEnd = eq;
            kv.ValueStart = eq + 1;
            kv.ValueEnd = e;
            if (kv.KeyStart == kv.KeyEnd) kv.KeyStart = -1;
        }
    }

    void EmitKeyValue(EventChunk chunk, int row, ReadOnlySpan<byte> p, int baseOffset, int keyStart, int keyEnd, int valueStart,
        int valueEnd, bool bracketed)
    {
        if (bracketed && valueEnd > valueStart && p[valueEnd - 1] == ']')
            valueEnd--;
        var keyText = p[keyStart..keyEnd];
        int key = _intern.Id(keyText);
        bool pointer = IsPointerKey(key, keyText);
        if (_recording is not null)
            RecordTemplateKey(keyText, key, pointer, bracketed);
        AddTypedField(chunk, row, key, p[valueStart..valueEnd], baseOffset + valueStart, pointer);
    }

    /// <summary>Per key id: 0 not yet classified, 1 ordinary, 2 pointer (%p printed without 0x, maybe all digits).</summary>
    byte[] _keyClass = new byte[256];

    bool IsPointerKey(int key, ReadOnlySpan<byte> keyText)
    {
        if (key >= _keyClass.Length)
            Array.Resize(ref _keyClass, Math.Max(key + 1, _keyClass.Length * 2));
        byte c = _keyClass[key];
        if (c == 0)
            _keyClass[key] = c = IsPointerKey(keyText) ? (byte)2 : (byte)1;
        return c == 2;
    }

    static bool IsPointerKey(ReadOnlySpan<byte> key) =>
        key.SequenceEqual("ptr"u8) || key.SequenceEqual("rhp"u8) || key.SequenceEqual("work"u8) || key.SequenceEqual("page"u8)
        || key.SequenceEqual("hrtimer"u8) || key.SequenceEqual("base_addr"u8) || key.SequenceEqual("lockdep_addr"u8)
        || key.SequenceEqual("skbaddr"u8) || key.SequenceEqual("addr"u8);

    /// <summary>Adds a field whose text is <paramref name="value"/> at arena offset <paramref name="textStart"/>, typed per CONTRACT.md.</summary>
    void AddTypedField(EventChunk chunk, int row, int key, ReadOnlySpan<byte> value, int textStart, bool pointerKey)
    {
        var type = ClassifyValue(value, pointerKey, out long v);
        chunk.AddField(row, key, type, v, textStart, value.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static FieldType ClassifyValue(ReadOnlySpan<byte> s, bool pointerKey, out long value)
    {
        value = 0;
        if (s.IsEmpty)
            return FieldType.Text;
        // a Text field's value is 0, never what a failed number parse left behind
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
            return TryParseHex(s[2..], out value) ? FieldType.Hex : NotANumber(out value);
        if (pointerKey)
        {
            if (s.SequenceEqual("(nil)"u8)) return FieldType.Hex;
            return TryParseHex(s, out value) ? FieldType.Hex : NotANumber(out value);
        }
        if (TryParseDecimal(s, out value))
            return FieldType.Int;
        // %p prints 16 (or 8) hex digits without 0x; %lx call sites likewise
        if ((s.Length == 16 || s.Length == 8) && TryParseHex(s, out value))
            return FieldType.Hex;
        value = 0;
        return FieldType.Text;
    }

    static FieldType NotANumber(out long value)
    {
        value = 0;
        return FieldType.Text;
    }

    static bool TryParseDecimal(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        bool negative = s[0] == '-';
        if (negative) s = s[1..];
        if (s.IsEmpty || s.Length > 18)
            return false;
        foreach (byte b in s)
        {
            if ((uint)(b - '0') > 9) return false;
            value = value * 10 + (b - '0');
        }
        if (negative) value = -value;
        return true;
    }

    static bool TryParseHex(ReadOnlySpan<byte> s, out long value)
    {
        if (s.Length == 16 && TryParseHex16(s, out value))
            return true;
        value = 0;
        if (s.IsEmpty || s.Length > 16)
            return false;
        ulong v = 0;
        byte bad = 0;
        var table = HexDigitValues;
        foreach (byte b in s)
        {
            byte d = table[b];
            bad |= d; // 0xff marks a non-hex byte; checked once after the loop
            v = (v << 4) | (uint)(d & 0xf);
        }
        value = (long)v;
        return (bad & 0xf0) == 0;
    }

    /// <summary>
    /// 16 hex digits (the %p width of every pointer field) in one vector: validate, map to nibbles, then merge nibble
    /// pairs, byte pairs and word pairs. False for any non-hex byte; the caller's loop then gives the usual result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool TryParseHex16(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        var v = Vector128.Create(s);
        var isDigit = Vector128.LessThanOrEqual(v - Vector128.Create((byte)'0'), Vector128.Create((byte)9));
        var isLetter = Vector128.LessThanOrEqual((v | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a'), Vector128.Create((byte)5));
        if ((isDigit | isLetter).ExtractMostSignificantBits() != 0xffff)
            return false;
        var nibbles = (v & Vector128.Create((byte)0x0f)) + (isLetter & Vector128.Create((byte)9));
        var words = nibbles.AsUInt64();
        value = (long)((MergeNibbles(words.GetElement(0)) << 32) | MergeNibbles(words.GetElement(1)));
        return true;
    }

    /// <summary>Eight nibbles, one per byte with the most significant first in memory, to their 32-bit value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong MergeNibbles(ulong x)
    {
        x = ((x & 0x000F000F000F000FUL) << 4) | ((x & 0x0F000F000F000F00UL) >> 8);
        x = ((x & 0x000000FF000000FFUL) << 8) | ((x & 0x00FF000000FF0000UL) >> 16);
        return ((x & 0x000000000000FFFFUL) << 16) | ((x & 0x0000FFFF00000000UL) >> 32);
    }

    /// <summary>Hex digit value per byte, 0xff for non-hex bytes.</summary>
    static ReadOnlySpan<byte> HexDigitValues =>
    [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 10, 11, 12, 13, 14, 15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 10, 11, 12, 13, 14, 15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];

    /// <summary>"ip: buf" (kernel text and trace-cmd print) or "ip=0x… buf=…" (trace-cmd -R).</summary>
    void ParsePrint(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        if (p.StartsWith("ip="u8))
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        int colon = p.IndexOf(": "u8);
        if (colon > 0 && p[..colon].IndexOf((byte)' ') < 0)
        {
            chunk.AddField(row, _keyIp, FieldType.Text, 0, start, colon);
            chunk.AddField(row, _keyBuf, FieldType.Text, 0, start + colon + 2, p.Length - colon - 2);
        }
        else
        {
            chunk.AddField(row, _keyBuf, FieldType.Text, 0, start, p.Length);
        }
    }

    /// <summary>"&lt;stack trace&gt;\n => a\n => b" → stack "a;b", parent_seq.</summary>
    void ParseStack(EventChunk chunk, int row, ReadOnlySpan<byte> p)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(p.Length + 1);
        int len = 0;
        int nl = p.IndexOf((byte)'\n');
        var rest = nl < 0 ? default : p[(nl + 1)..];
        while (!rest.IsEmpty)
        {
            int e = rest.IndexOf((byte)'\n');
            var frame = (e < 0 ? rest : rest[..e]).Trim((byte)' ');
            rest = e < 0 ? default : rest[(e + 1)..];
            if (frame.StartsWith("=>"u8)) frame = frame[2..].Trim((byte)' ');
            if (frame.IsEmpty) continue;
            if (len > 0) scratch[len++] = (byte)';';
            frame.CopyTo(scratch.AsSpan(len));
            len += frame.Length;
        }
        chunk.AddTextField(row, _keyStack, scratch.AsSpan(0, len));
        ArrayPool<byte>.Shared.Return(scratch);
        int at = chunk.TextLength;
        chunk.AddField(row, _keyParentSeq, FieldType.Int, _lastEventSeq, at, 0);
    }

    /// <summary>kprobe "(sym+0x0/0x1a0) args", kretprobe "(ret+0x1b/0x30 &lt;- func) args".</summary>
    void ParseProbe(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        int close = p.IndexOf((byte)')');
        var inner = p[1..close];
        if (chunk.Kind[row] == EventKind.Kretprobe)
        {
            int arrow = inner.IndexOf(" <- "u8);
            chunk.AddField(row, _keyProbeFunc, FieldType.Text, 0, start + 1 + arrow + 4, inner.Length - arrow - 4);
            chunk.AddField(row, _keyRetIp, FieldType.Text, 0, start + 1, arrow);
        }
        else
        {
            int plus = inner.IndexOf((byte)'+');
            chunk.AddField(row, _keyProbeFunc, FieldType.Text, 0, start + 1, plus < 0 ? inner.Length : plus);
            chunk.AddField(row, _keyProbeIp, FieldType.Text, 0, start + 1, inner.Length);
        }
        ParseKeyValues(chunk, row, p[(close + 1)..], start + close + 1);
    }

    /// <summary>trace-cmd's sched_switch plugin: "prev:11781 [120] S ==> next:11784 [120]".</summary>
    void ParseSchedSwitchPlugin(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        int arrow = p.IndexOf(" ==> "u8);
        if (arrow < 0)
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        var prev = p[..arrow];
        int stateSpace = prev.LastIndexOf((byte)' ');
        var task = stateSpace < 0 ? prev : prev[..stateSpace];
        AddPluginTask(chunk, row, task, start, _keyPrevComm, _keyPrevPid, _keyPrevPrio);
        if (stateSpace > 0)
            chunk.AddField(row, _keyPrevState, FieldType.Text, 0, start + stateSpace + 1, prev.Length - stateSpace - 1);
        AddPluginTask(chunk, row, p[(arrow + 5)..], start + arrow + 5, _keyNextComm, _keyNextPid, _keyNextPrio);
    }

    void AddPluginTask(EventChunk chunk, int row, ReadOnlySpan<byte> task, int start, int commKey, int pidKey, int prioKey)
    {
        int bracket = task.LastIndexOf(" ["u8);
        var id = bracket < 0 ? task : task[..bracket];
        int colon = id.LastIndexOf((byte)':');
        if (colon < 0)
            return;
        chunk.AddField(row, commKey, FieldType.Text, 0, start, colon);
        AddTypedField(chunk, row, pidKey, id[(colon + 1)..], start + colon + 1, false);
        if (bracket >= 0 && task.Length > bracket + 3 && task[^1] == ']')
            AddTypedField(chunk, row, prioKey, task[(bracket + 2)..^1], start + bracket + 2, false);
    }

    /// <summary>"rcu_preempt rhp=… func=…" — the flavour name first, key=value after.</summary>
    void ParseRcuNamed(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        int sp = p.IndexOf((byte)' ');
        int nameLen = sp < 0 ? p.Length : sp;
        if (p[..nameLen].IndexOf((byte)'=') >= 0)
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        chunk.AddField(row, _keyRcuName, FieldType.Text, 0, start, nameLen);
        if (sp > 0)
            ParseKeyValues(chunk, row, p[sp..], start + sp);
    }

    /// <summary>"%s %s cpu %d remaining %d # %lu" → rcuname s cpu cnt done.</summary>
    void ParseRcuBarrier(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        Span<Range> words = stackalloc Range[10];
        int n = SplitWords(p, words);
        if (n < 2)
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        AddWord(chunk, row, p, words[0], start, _keyRcuName, text: true);
        AddWord(chunk, row, p, words[1], start, _keyS, text: true);
        for (int w = 2; w + 1 < n; w++)
        {
            var word = p[words[w]];
            if (word.SequenceEqual("cpu"u8)) AddWord(chunk, row, p, words[++w], start, _keyCpu, text: false);
            else if (word.SequenceEqual("remaining"u8)) AddWord(chunk, row, p, words[++w], start, _keyCnt, text: false);
            else if (word.SequenceEqual("#"u8)) AddWord(chunk, row, p, words[++w], start, _keyDone, text: false);
        }
    }

    /// <summary>"%s %ld %s" → rcuname gp_seq gpevent.</summary>
    void ParseRcuGracePeriod(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        Span<Range> words = stackalloc Range[4];
        int n = SplitWords(p, words);
        if (n < 3)
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        AddWord(chunk, row, p, words[0], start, _keyRcuName, text: true);
        AddWord(chunk, row, p, words[1], start, _keyGpSeq, text: false);
        AddWord(chunk, row, p, words[2], start, _keyGpEvent, text: true);
    }

    /// <summary>lock_acquire "%p %s%s%s" (try/read prefixes) → lockdep_addr flags name; the others "%p %s".</summary>
    void ParseLock(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start, bool withFlags)
    {
        int sp = p.IndexOf((byte)' ');
        if (sp <= 0)
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        AddTypedField(chunk, row, _keyLockdepAddr, p[..sp], start, pointerKey: true);
        int i = sp + 1;
        long flags = 0;
        if (withFlags)
        {
            if (p[i..].StartsWith("try "u8)) { flags |= 1; i += 4; }
            if (p[i..].StartsWith("read "u8)) { flags |= 2; i += 5; }
            chunk.AddField(row, _keyFlags, FieldType.Int, flags, start + sp + 1, i - sp - 1);
        }
        chunk.AddField(row, _keyName, FieldType.Text, 0, start + i, p.Length - i);
    }

    /// <summary>
    /// "work struct=%p function=%ps workqueue=%s req_cpu=%d cpu=%d", "work struct %p function=%ps ",
    /// "work struct %p: function %ps", "work struct %p".
    /// </summary>
    void ParseWorkqueue(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        if (!p.StartsWith("work struct"u8) || p.Length < 13)
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        int i = 12; // after "work struct" and '=' or ' '
        int end = i;
        while (end < p.Length && p[end] != ' ' && p[end] != ':') end++;
        AddTypedField(chunk, row, _keyWork, p[i..end], start + i, pointerKey: true);
        var rest = p[end..];
        int restStart = start + end;
        if (rest.StartsWith(": function "u8))
        {
            var fn = rest[11..].TrimEnd((byte)' ');
            chunk.AddField(row, _keyFunction, FieldType.Text, 0, restStart + 11, fn.Length);
            return;
        }
        ParseKeyValues(chunk, row, rest, restStart);
    }

    /// <summary>raw_syscalls sys_enter "NR %ld (%lx, …)" → id, args (Text); sys_exit "NR %ld = %ld" → id, ret.</summary>
    void ParseRawSyscall(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        if (!p.StartsWith("NR "u8))
        {
            ParseKeyValues(chunk, row, p, start);
            return;
        }
        int end = 3;
        while (end < p.Length && p[end] != ' ') end++;
        AddTypedField(chunk, row, _keyId, p[3..end], start + 3, pointerKey: false);
        var rest = p[end..];
        if (rest.StartsWith(" = "u8))
            AddTypedField(chunk, row, _keyRet, rest[3..], start + end + 3, pointerKey: false);
        else if (rest.StartsWith(" ("u8) && rest.EndsWith(")"u8))
            chunk.AddField(row, _keyArgs, FieldType.Text, 0, start + end + 2, rest.Length - 3);
    }

    /// <summary>contention_begin "%p (flags=%s)", contention_end "%p (ret=%d)".</summary>
    void ParseContention(EventChunk chunk, int row, ReadOnlySpan<byte> p, int start)
    {
        int sp = p.IndexOf((byte)' ');
        var addr = sp < 0 ? p : p[..sp];
        AddTypedField(chunk, row, _keyLockAddr, addr, start, pointerKey: true);
        if (sp < 0)
            return;
        var rest = p[(sp + 1)..];
        int restStart = start + sp + 1;
        if (rest.Length > 2 && rest[0] == '(' && rest[^1] == ')')
            ParseKeyValues(chunk, row, rest[1..^1], restStart + 1);
        else
            ParseKeyValues(chunk, row, rest, restStart);
    }

    static int SplitWords(ReadOnlySpan<byte> p, Span<Range> words)
    {
        int n = 0, i = 0;
        while (i < p.Length && n < words.Length)
        {
            while (i < p.Length && p[i] == ' ') i++;
            if (i >= p.Length) break;
            int s = i;
            while (i < p.Length && p[i] != ' ') i++;
            words[n++] = s..i;
        }
        return n;
    }

    void AddWord(EventChunk chunk, int row, ReadOnlySpan<byte> p, Range word, int start, int key, bool text)
    {
        var (offset, length) = word.GetOffsetAndLength(p.Length);
        if (text)
            chunk.AddField(row, key, FieldType.Text, 0, start + offset, length);
        else
            AddTypedField(chunk, row, key, p.Slice(offset, length), start + offset, pointerKey: false);
    }
}
