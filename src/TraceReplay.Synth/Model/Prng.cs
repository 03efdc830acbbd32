namespace TraceReplay.Synth.Model;

/// <summary>
/// xoshiro256** seeded through SplitMix64: our own generator so the same seed gives the same trace on every
/// runtime (System.Random's algorithm is not a documented contract).
/// </summary>
public sealed class Prng
{
    ulong _s0, _s1, _s2, _s3;

    public Prng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextU64()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => n <= 1 ? 0 : (int)((NextU64() >> 33) % (ulong)n);

    /// <summary>Uniform in [lo, hi].</summary>
    public long Range(long lo, long hi) => hi <= lo ? lo : lo + (long)(NextU64() % (ulong)(hi - lo + 1));

    /// <summary>True with probability p.</summary>
    public bool Chance(double p) => (NextU64() >> 11) * (1.0 / (1UL << 53)) < p;
}
