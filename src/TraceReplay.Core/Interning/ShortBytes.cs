using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TraceReplay.Core.Interning;

/// <summary>
/// Equality and copies of short byte strings (line prefixes, names) with two overlapping loads per size class, inlined
/// into the caller. Span.SequenceEqual and CopyTo are calls into CoreLib, whose precompiled (ReadyToRun) bodies a run
/// uses until the tier-1 JIT replaces them; on the text reader's per-line prefix work those bodies cost 5–11 % (compare)
/// and 2 % (copy) of a process pinned to one core, where the tier-1 compiler waits for the same core.
/// </summary>
public static class ShortBytes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = a.Length;
        if (n != b.Length)
            return false;
        ref byte x = ref MemoryMarshal.GetReference(a);
        ref byte y = ref MemoryMarshal.GetReference(b);
        if (n >= 32)
        {
            if (n > 64)
                return a.SequenceEqual(b);
            return Vector256.LoadUnsafe(ref x) == Vector256.LoadUnsafe(ref y)
                   && Vector256.LoadUnsafe(ref x, (nuint)(n - 32)) == Vector256.LoadUnsafe(ref y, (nuint)(n - 32));
        }
        if (n >= 16)
            return Vector128.LoadUnsafe(ref x) == Vector128.LoadUnsafe(ref y)
                   && Vector128.LoadUnsafe(ref x, (nuint)(n - 16)) == Vector128.LoadUnsafe(ref y, (nuint)(n - 16));
        if (n >= 8)
            return Unsafe.ReadUnaligned<ulong>(ref x) == Unsafe.ReadUnaligned<ulong>(ref y)
                   && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref x, n - 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref y, n - 8));
        if (n >= 4)
            return Unsafe.ReadUnaligned<uint>(ref x) == Unsafe.ReadUnaligned<uint>(ref y)
                   && Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref x, n - 4)) == Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref y, n - 4));
        for (int i = 0; i < n; i++)
            if (Unsafe.Add(ref x, i) != Unsafe.Add(ref y, i))
                return false;
        return true;
    }

    /// <summary>Copies <paramref name="source"/> to the start of <paramref name="destination"/> (which must be long enough).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int n = source.Length;
        if (n > 64 || destination.Length < n)
        {
            source.CopyTo(destination);
            return;
        }
        ref byte x = ref MemoryMarshal.GetReference(source);
        ref byte y = ref MemoryMarshal.GetReference(destination);
        if (n >= 32)
        {
            var head = Vector256.LoadUnsafe(ref x);
            var tail = Vector256.LoadUnsafe(ref x, (nuint)(n - 32));
            head.StoreUnsafe(ref y);
            tail.StoreUnsafe(ref y, (nuint)(n - 32));
        }
        else if (n >= 16)
        {
            var head = Vector128.LoadUnsafe(ref x);
            var tail = Vector128.LoadUnsafe(ref x, (nuint)(n - 16));
            head.StoreUnsafe(ref y);
            tail.StoreUnsafe(ref y, (nuint)(n - 16));
        }
        else if (n >= 8)
        {
            ulong head = Unsafe.ReadUnaligned<ulong>(ref x), tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref x, n - 8));
            Unsafe.WriteUnaligned(ref y, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, n - 8), tail);
        }
        else
        {
            for (int i = 0; i < n; i++)
                Unsafe.Add(ref y, i) = Unsafe.Add(ref x, i);
        }
    }
}
