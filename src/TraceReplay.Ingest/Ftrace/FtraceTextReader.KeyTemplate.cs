using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TraceReplay.Core.Events;

namespace TraceReplay.Ingest.Ftrace;

// Most events of one name print the same keys in the same order ("call_site=… ptr=… name=…"). The keys of the last
// general key=value parse of each event are kept; the next payload of that event is matched against them key by key
// (one masked 16-byte compare per key instead of tokenising, interning and classifying the key), and any difference
// undoes what was added and falls back to the general parse, so the fields are always the general parse's fields.
public sealed partial class FtraceTextReader
{
    const int TemplateKeys = 16;

    struct TemplateKey
    {
        /// <summary>The key bytes then '=', zero-padded; keys of up to 15 bytes.</summary>
        public Vector128<byte> KeyEquals;
        public Vector128<byte> Mask;
        public int Length;
        public int Id;
        public bool Pointer;
    }

    sealed class KeyTemplate
    {
        public int Count;
        /// <summary>The event printed a key no template can hold ("[action=…]", a long key): parse it the general way.</summary>
        public bool Unusable;
        public readonly TemplateKey[] Keys = new TemplateKey[TemplateKeys];
    }

    KeyTemplate?[] _templates = new KeyTemplate?[256];
    /// <summary>Template being rebuilt by the running general parse (null when not recording).</summary>
    KeyTemplate? _recording;
    bool _recordingUsable;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    KeyTemplate TemplateOf(int ev) => ev < _templates.Length && _templates[ev] is { } template ? template : NewTemplate(ev);

    KeyTemplate NewTemplate(int ev)
    {
        if (ev >= _templates.Length)
            Array.Resize(ref _templates, Math.Max(ev + 1, _templates.Length * 2));
        return _templates[ev] = new KeyTemplate();
    }

    /// <summary>
    /// Parses <paramref name="p"/> as exactly the template's keys in order, each value a single token, or adds nothing
    /// and returns false. Equivalent to the general parse: a value ends where the next token holds '=', and every
    /// accepted next token starts with a known key and '='.
    /// </summary>
    bool TryParseWithTemplate(EventChunk chunk, int row, ReadOnlySpan<byte> p, int baseOffset, KeyTemplate template)
    {
        byte[] arena = chunk.Text;
        int n = p.Length;
        // vector loads below read up to 32 bytes past the payload, inside the arena
        if (baseOffset + n + 32 > arena.Length)
            return false;
        // fields are written past FieldTotal and published only when the whole payload matched
        chunk.EnsureFieldCapacity(template.Count);
        int first = chunk.FieldTotal;
        int f = first;
        // the checks above bound every access below (payload + 32 bytes inside the arena, room for Count fields), so
        // the loop reads and writes through refs without per-access bounds checks (~15% of this method's time)
        ref byte text = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(arena), baseOffset);
        ref int fieldKeys = ref MemoryMarshal.GetArrayDataReference(chunk.FieldKey);
        ref FieldType fieldTypes = ref MemoryMarshal.GetArrayDataReference(chunk.FieldTypes);
        ref long fieldValues = ref MemoryMarshal.GetArrayDataReference(chunk.FieldValue);
        ref int fieldTextStarts = ref MemoryMarshal.GetArrayDataReference(chunk.FieldTextStart);
        ref int fieldTextLengths = ref MemoryMarshal.GetArrayDataReference(chunk.FieldTextLength);
        int pos = SkipSeparators(p, 0);
        var keys = template.Keys;
        int count = Math.Min(template.Count, keys.Length);
        for (int k = 0; k < count && pos < n; k++)
        {
            ref var key = ref keys[k];
            var head = Vector128.LoadUnsafe(ref text, (nuint)pos);
            int valueStart = pos + key.Length + 1;
            if ((head & key.Mask) != key.KeyEquals || valueStart > n)
                return false;
            // the value runs to the first ' ' or '\n' (or the payload end); most values fit one vector
            var v = Vector256.LoadUnsafe(ref text, (nuint)valueStart);
            uint separators = (Vector256.Equals(v, Vector256.Create((byte)' ')) | Vector256.Equals(v, Vector256.Create((byte)'\n')))
                .ExtractMostSignificantBits();
            int length = Math.Min(BitOperations.TrailingZeroCount(separators), n - valueStart); // 32 when none
            bool allDigits;
            int valueEnd, next;
            if (length < 32)
            {
                uint nonDigits = Vector256.GreaterThan(v - Vector256.Create((byte)'0'), Vector256.Create((byte)9)).ExtractMostSignificantBits();
                allDigits = (nonDigits & ((1u << length) - 1)) == 0;
                valueEnd = valueStart + length;
                // the byte after the separators that end the value (what SkipSeparators finds), from the same vector:
                // the lowest zero above the lowest set bit, computed from the bits alone so it need not wait for length
                next = valueStart + BitOperations.TrailingZeroCount(~(separators | (separators - 1)));
                if (next >= n)
                    next = n;
                else if (next == valueStart + 32)
                    next = SkipSeparators(p, next);
            }
            else
            {
                valueEnd = LongValueEnd(arena, baseOffset, valueStart, n, out allDigits);
                next = SkipSeparators(p, valueEnd);
            }
            var value = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref text, valueStart), length < 32 ? length : valueEnd - valueStart);
            FieldType type;
            long parsed;
            if (allDigits && !key.Pointer && value.Length is > 0 and <= 18)
            {
                // what ClassifyValue finds for a plain decimal, without re-checking the digits
                // (a local of its own: parsed is address-taken by ClassifyValue and would live in memory in the loop)
                long digits = 0;
                foreach (byte b in value)
                    digits = digits * 10 + (b - '0');
                type = FieldType.Int;
                parsed = digits;
            }
            else if (!key.Pointer && value.Length is > 0 and not (8 or 16) && (uint)(value[0] - '0') > 9 && value[0] != '-')
            {
                // ClassifyValue's answer for a word that is neither a number, "0x…" nor a bare %p-width hex
                type = FieldType.Text;
                parsed = 0;
            }
            else if (key.Pointer && value.Length == 16 && TryParseHex16(value, out long pointer))
            {
                // ClassifyValue's answer for a %p pointer (16 hex digits cannot start with "0x")
                type = FieldType.Hex;
                parsed = pointer;
            }
            else
            {
                type = ClassifyValue(value, key.Pointer, out parsed);
            }
            Unsafe.Add(ref fieldKeys, f) = key.Id;
            Unsafe.Add(ref fieldTypes, f) = type;
            Unsafe.Add(ref fieldValues, f) = parsed;
            Unsafe.Add(ref fieldTextStarts, f) = baseOffset + valueStart;
            Unsafe.Add(ref fieldTextLengths, f) = value.Length;
            f++;
            pos = next;
        }
        if (pos != n)
            return false;
        chunk.FieldTotal = f;
        chunk.FieldCount[row] += f - first;
        return true;
    }

    static int SkipSeparators(ReadOnlySpan<byte> p, int i)
    {
        while (i < p.Length && (p[i] == ' ' || p[i] == '\n')) i++;
        return i;
    }

    /// <summary>The end of a value of 32 bytes or more (the first ' ' or '\n', or n); the caller classifies it in full.</summary>
    static int LongValueEnd(byte[] arena, int baseOffset, int from, int n, out bool allDigits)
    {
        allDigits = false; // the caller classifies the value in full
        for (int i = from; i < n; i += 32)
        {
            var v = Vector256.Create((ReadOnlySpan<byte>)arena.AsSpan(baseOffset + i, 32));
            uint separators = (Vector256.Equals(v, Vector256.Create((byte)' ')) | Vector256.Equals(v, Vector256.Create((byte)'\n')))
                .ExtractMostSignificantBits();
            if (separators != 0)
                return Math.Min(i + BitOperations.TrailingZeroCount(separators), n);
        }
        return n;
    }

    /// <summary>Called by the general parse for each field it emits, in order.</summary>
    void RecordTemplateKey(ReadOnlySpan<byte> keyText, int key, bool pointer, bool bracketed)
    {
        var template = _recording!;
        if (bracketed || keyText.Length > 15 || template.Count == TemplateKeys)
        {
            _recordingUsable = false;
            return;
        }
        Span<byte> bytes = stackalloc byte[16];
        Span<byte> mask = stackalloc byte[16];
        bytes.Clear();
        mask.Clear();
        keyText.CopyTo(bytes);
        bytes[keyText.Length] = (byte)'=';
        mask[..(keyText.Length + 1)].Fill(0xff);
        ref var entry = ref template.Keys[template.Count++];
        entry.KeyEquals = Vector128.Create((ReadOnlySpan<byte>)bytes);
        entry.Mask = Vector128.Create((ReadOnlySpan<byte>)mask);
        entry.Length = keyText.Length;
        entry.Id = key;
        entry.Pointer = pointer;
    }
}
