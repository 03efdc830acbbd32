namespace TraceReplay.Analysis.Common;

/// <summary>A kernel release reduced to major.minor.patch, for matching rule version ranges ("3.3-3.7", "3.8+", "-4.19").</summary>
public readonly record struct KernelVersion(int Major, int Minor, int Patch) : IComparable<KernelVersion>
{
    /// <summary>Used when the trace does not state its kernel: rules for the newest kernels apply.</summary>
    public static readonly KernelVersion Latest = new(99, 0, 0);

    public bool IsLatest => Major == 99;

    public int CompareTo(KernelVersion other)
        => Major != other.Major ? Major.CompareTo(other.Major)
         : Minor != other.Minor ? Minor.CompareTo(other.Minor)
         : Patch.CompareTo(other.Patch);

    public static bool operator <(KernelVersion a, KernelVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(KernelVersion a, KernelVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(KernelVersion a, KernelVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KernelVersion a, KernelVersion b) => a.CompareTo(b) >= 0;

    /// <summary>Parses the leading "M.m[.p]" of a release string ("3.7", "6.18.44-fc-v445", "v3.18.30"); Latest when absent.</summary>
    public static KernelVersion Parse(string? release)
    {
        if (string.IsNullOrEmpty(release))
            return Latest;
        int i = release[0] is 'v' or 'V' ? 1 : 0;
        Span<int> parts = stackalloc int[3];
        int n = 0;
        while (n < 3 && i < release.Length && char.IsAsciiDigit(release[i]))
        {
            int v = 0;
            while (i < release.Length && char.IsAsciiDigit(release[i]))
                v = v * 10 + (release[i++] - '0');
            parts[n++] = v;
            if (i < release.Length && release[i] == '.') i++; else break;
        }
        return n < 2 ? Latest : new KernelVersion(parts[0], parts[1], n > 2 ? parts[2] : 0);
    }

    /// <summary>True when this version lies in a range "A-B" (inclusive; B as M.m covers all its patches), "A+", "-B" or "" / "all".</summary>
    public bool InRange(string? range)
    {
        if (string.IsNullOrWhiteSpace(range) || range == "all")
            return true;
        if (range.EndsWith('+'))
            return this >= Parse(range[..^1]);
        int dash = range.IndexOf('-', 1);
        if (range.StartsWith('-'))
            return AtMost(range[1..]);
        if (dash < 0)
            return Major == Parse(range).Major && Minor == Parse(range).Minor;
        return this >= Parse(range[..dash]) && AtMost(range[(dash + 1)..]);
    }

    bool AtMost(string upper)
    {
        var u = Parse(upper);
        bool minorOnly = upper.Count(c => c == '.') == 1;
        return minorOnly ? (Major, Minor).CompareTo((u.Major, u.Minor)) <= 0 : this <= u;
    }

    public override string ToString() => IsLatest ? "latest" : $"{Major}.{Minor}.{Patch}";
}
