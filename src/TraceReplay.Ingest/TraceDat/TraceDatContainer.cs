using System.IO.Compression;
using TraceReplay.Core.Diagnostics;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>
/// Container layer: initial header, the v6 sequential layout and the v7 section/option chain, decompression of v7
/// metadata sections. Every section that cannot be read is reported with its offset and skipped; the rest is read.
/// Format: docs/formats/trace-dat.md.
/// </summary>
public static class TraceDatContainer
{
    static ReadOnlySpan<byte> Magic => [0x17, 0x08, 0x44, (byte)'t', (byte)'r', (byte)'a', (byte)'c', (byte)'i', (byte)'n', (byte)'g'];

    // v7 section / option ids (trace-cmd.dat.v7)
    internal const int OptDone = 0, OptDate = 1, OptCpuStat = 2, OptBuffer = 3, OptTraceClock = 4, OptUname = 5,
        OptOffset = 7, OptCpuCount = 8, OptVersion = 9, OptTsc2Nsec = 14, SecStrings = 15, SecHeaderInfo = 16,
        SecFtraceEvents = 17, SecEventFormats = 18, SecKallsyms = 19, SecPrintk = 20, SecCmdlines = 21;

    /// <summary>Reads all metadata. Returns null only when the initial header itself is unreadable.</summary>
    public static TraceDatMetadata? Load(Stream stream, IngestErrorLog errors)
    {
        var meta = new TraceDatMetadata();
        var cur = new DatCursor(stream, 0, stream.Length, new DatEndian(false));
        try
        {
            if (!cur.TryTag(Magic))
                throw cur.Error("not a trace.dat file (bad magic)");
            string version = cur.CStr("version", 16);
            if (!int.TryParse(version, out int v) || v < 6 || v > 7)
                throw new TraceDatFormatException(10, $"unsupported trace.dat version '{version}'");
            meta.FileVersion = v;
            byte endian = cur.U8("endianness");
            meta.BigEndian = endian != 0;
            cur.Endian = new DatEndian(meta.BigEndian);
            meta.UserLongSize = cur.U8("long size");
            meta.PageSize = (int)cur.U32("page size");
            if (meta.PageSize is < 64 or > 1 << 24)
                throw cur.Error($"implausible page size {meta.PageSize}");
        }
        catch (Exception e) when (e is TraceDatFormatException or IOException)
        {
            errors.Add(0, (e as TraceDatFormatException)?.Offset ?? 0, e.Message);
            return null;
        }

        if (meta.FileVersion == 6)
            LoadV6(cur, meta, errors);
        else
            LoadV7(cur, meta, errors);
        meta.KernelLongSize = KernelLongSizeOf(meta.HeaderPage);
        return meta;
    }

    /// <summary>Size of header_page's commit field (the kernel's long); 8 when header_page is missing or odd.</summary>
    static int KernelLongSizeOf(byte[] headerPage)
    {
        foreach (var f in EventFormatParser.ParseFieldLines(headerPage))
            if (f.Name == "commit" && f.Size is 4 or 8)
                return f.Size;
        return 8;
    }

    // ---------------------------------------------------------------- v6

    static void LoadV6(DatCursor cur, TraceDatMetadata meta, IngestErrorLog errors)
    {
        try
        {
            ReadHeaderInfo(cur, meta);
            ReadFtraceFormats(cur, meta);
            ReadEventFormats(cur, meta);
            meta.Kallsyms = cur.ReadBytes(cur.U32("kallsyms size"), "kallsyms");
            meta.Printk = cur.ReadBytes(cur.U32("printk size"), "printk formats");
            meta.Cmdlines = cur.ReadBytes((long)cur.U64("cmdlines size"), "cmdlines");
            meta.Cpus = (int)cur.U32("cpu count");
            if (meta.Cpus is < 0 or > 4096)
                throw cur.Error($"implausible cpu count {meta.Cpus}");
        }
        catch (Exception e) when (e is TraceDatFormatException or IOException or EndOfStreamException)
        {
            errors.Add(0, (e as TraceDatFormatException)?.Offset ?? cur.Position, "v6 metadata: " + e.Message);
            return;
        }

        var v6Buffers = new List<(long Offset, string Name)>();
        try
        {
            if (cur.TryTag("options  \0"u8))
            {
                while (true)
                {
                    long at = cur.Position;
                    ushort id = cur.U16("option id");
                    if (id == OptDone)
                        break;
                    uint size = cur.U32("option size");
                    byte[] payload = cur.ReadBytes(size, "option");
                    if (id == OptBuffer)
                    {
                        if (payload.Length < 9)
                            throw new TraceDatFormatException(at, "v6 BUFFER option too short");
                        long off = (long)cur.Endian.U64(payload);
                        v6Buffers.Add((off, CStrOf(payload.AsSpan(8))));
                    }
                    else
                        ApplyOption(id, payload, meta, cur.Endian, at, errors);
                }
            }
            if (cur.TryTag("latency  \0"u8))
            {
                meta.LatencyText = true;
                errors.Add(0, cur.Position, "v6 latency (text) trace.dat: no binary pages to read");
                return;
            }
            if (!cur.TryTag("flyrecord\0"u8))
                throw cur.Error("expected 'flyrecord' after options");
            var top = new DatBuffer("") { PageSize = meta.PageSize, Clock = meta.TraceClock };
            ReadV6CpuTable(cur, meta.Cpus, top);
            meta.Buffers.Add(top);
            // "u64 len, [clock] list" follows when TRACECLOCK was saved; older writers (trace-cmd 2.x) always wrote it.
            if (cur.Remaining >= 8)
            {
                long at = cur.Position;
                long len = (long)cur.U64("trace clock size");
                if (len is > 0 and < 4096 && len <= cur.Remaining)
                {
                    string clocks = System.Text.Encoding.ASCII.GetString(cur.ReadBytes(len, "trace clock"));
                    int open = clocks.IndexOf('['), close = clocks.IndexOf(']');
                    if (open >= 0 && close > open && meta.TraceClock.Length == 0)
                        meta.TraceClock = top.Clock = clocks[(open + 1)..close];
                }
                else
                    cur.Position = at;
            }
        }
        catch (Exception e) when (e is TraceDatFormatException or IOException or EndOfStreamException)
        {
            errors.Add(0, (e as TraceDatFormatException)?.Offset ?? cur.Position, "v6 options/flyrecord: " + e.Message);
        }

        foreach (var (offset, name) in v6Buffers)
        {
            try
            {
                cur.Position = offset;
                if (!cur.TryTag("flyrecord\0"u8))
                    throw new TraceDatFormatException(offset, $"buffer '{name}': no 'flyrecord' at its offset");
                var buf = new DatBuffer(name) { PageSize = meta.PageSize, Clock = meta.TraceClock };
                ReadV6CpuTable(cur, meta.Cpus, buf);
                meta.Buffers.Add(buf);
            }
            catch (Exception e) when (e is TraceDatFormatException or IOException or EndOfStreamException)
            {
                errors.Add(0, (e as TraceDatFormatException)?.Offset ?? offset, "v6 buffer: " + e.Message);
            }
        }
    }

    static void ReadV6CpuTable(DatCursor cur, int cpus, DatBuffer buf)
    {
        for (int c = 0; c < cpus; c++)
        {
            long off = (long)cur.U64("cpu data offset");
            long size = (long)cur.U64("cpu data size");
            buf.Cpus.Add(new DatCpuData(c, off, size));
        }
    }

    // ---------------------------------------------------------------- shared v6/v7 bodies

    static void ReadHeaderInfo(DatCursor cur, TraceDatMetadata meta)
    {
        if (!cur.TryTag("header_page\0"u8))
            throw cur.Error("expected 'header_page'");
        meta.HeaderPage = cur.ReadBytes((long)cur.U64("header_page size"), "header_page");
        if (!cur.TryTag("header_event\0"u8))
            throw cur.Error("expected 'header_event'");
        meta.HeaderEvent = cur.ReadBytes((long)cur.U64("header_event size"), "header_event");
    }

    static void ReadFtraceFormats(DatCursor cur, TraceDatMetadata meta)
    {
        uint n = cur.U32("ftrace format count");
        for (uint i = 0; i < n; i++)
            meta.FtraceFormats.Add(cur.ReadBytes((long)cur.U64("format size"), "ftrace format"));
    }

    static void ReadEventFormats(DatCursor cur, TraceDatMetadata meta)
    {
        uint systems = cur.U32("system count");
        for (uint s = 0; s < systems; s++)
        {
            string sys = cur.CStr("system name");
            uint n = cur.U32("event count");
            for (uint i = 0; i < n; i++)
                meta.EventFormats.Add((sys, cur.ReadBytes((long)cur.U64("format size"), "event format")));
        }
    }

    static string CStrOf(ReadOnlySpan<byte> b)
    {
        int nul = b.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(nul < 0 ? b : b[..nul]);
    }

    static void ApplyOption(int id, byte[] p, TraceDatMetadata meta, DatEndian en, long at, IngestErrorLog errors)
    {
        switch (id)
        {
            case OptDate:
                if (TryParseCLong(CStrOf(p), out long us))
                    meta.TsOffset += us * 1000;
                break;
            case OptOffset:
                if (TryParseCLong(CStrOf(p), out long ns))
                    meta.TsOffset += ns;
                break;
            case OptCpuStat:
                meta.CpuStats.Add(CStrOf(p));
                break;
            case OptTraceClock:
                {
                    string clocks = CStrOf(p);
                    int open = clocks.IndexOf('['), close = clocks.IndexOf(']');
                    if (open >= 0 && close > open)
                        meta.TraceClock = clocks[(open + 1)..close];
                    break;
                }
            case OptUname:
                meta.Uname = CStrOf(p);
                break;
            case OptVersion:
                meta.TracerVersion = CStrOf(p);
                break;
            case OptCpuCount:
                if (p.Length >= 4)
                    meta.Cpus = (int)en.U32(p);
                break;
            case OptTsc2Nsec:
                if (p.Length >= 16)
                {
                    meta.HasTsc2Nsec = true;
                    meta.TscMult = en.U32(p);
                    meta.TscShift = en.U32(p.AsSpan(4));
                    meta.TscOffset = (long)en.U64(p.AsSpan(8));
                }
                else
                    errors.Add(0, at, "TSC2NSEC option too short");
                break;
        }
    }

    /// <summary>strtoll(s, base 0): decimal, 0x hex or leading-0 octal.</summary>
    static bool TryParseCLong(string s, out long value)
    {
        s = s.Trim();
        bool neg = s.StartsWith('-');
        if (neg || s.StartsWith('+')) s = s[1..];
        bool ok;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            ok = long.TryParse(s.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value);
        else if (s.Length > 1 && s[0] == '0')
        {
            value = 0; ok = true;
            foreach (char c in s) { if (c is < '0' or > '7') { ok = false; break; } value = value * 8 + (c - '0'); }
        }
        else
            ok = long.TryParse(s, out value);
        if (neg) value = -value;
        return ok;
    }

    // ---------------------------------------------------------------- v7

    static void LoadV7(DatCursor cur, TraceDatMetadata meta, IngestErrorLog errors)
    {
        long firstOptions;
        try
        {
            meta.Compression = cur.CStr("compression name", 64);
            meta.CompressionVersion = cur.CStr("compression version", 64);
            firstOptions = (long)cur.U64("first options offset");
        }
        catch (Exception e) when (e is TraceDatFormatException or IOException or EndOfStreamException)
        {
            errors.Add(0, (e as TraceDatFormatException)?.Offset ?? cur.Position, "v7 header: " + e.Message);
            return;
        }
        if (meta.Compression is not ("none" or "zstd" or "zlib"))
            errors.Add(0, 0, $"unknown compression '{meta.Compression}': compressed sections will be skipped");

        long headerEnd = cur.Position;
        var sections = new Dictionary<int, long>();
        var visited = new HashSet<long>();
        long next = firstOptions;
        while (next != 0 && visited.Add(next))
        {
            long at = next;
            next = 0;
            try
            {
                var body = ReadSection(cur, at, meta, out int sectionId);
                if (sectionId != OptDone)
                    throw new TraceDatFormatException(at, $"options chain points to section id {sectionId}");
                next = ReadV7Options(body, meta, sections, errors);
            }
            catch (Exception e) when (e is TraceDatFormatException or IOException or EndOfStreamException or InvalidDataException)
            {
                errors.Add(0, (e as TraceDatFormatException)?.Offset ?? at, "v7 options: " + e.Message);
                if (meta.Buffers.Count == 0 && sections.Count == 0)
                    ScanSections(cur, headerEnd, sections);
            }
        }
        if (meta.Cpus == 0)
            meta.Cpus = meta.Buffers.Count == 0 ? 0 : meta.Buffers.Max(b => b.Cpus.Count == 0 ? 0 : b.Cpus.Max(c => c.Cpu) + 1);

        LoadSection(cur, meta, sections, SecHeaderInfo, errors, c => ReadHeaderInfo(c, meta));
        LoadSection(cur, meta, sections, SecFtraceEvents, errors, c => ReadFtraceFormats(c, meta));
        LoadSection(cur, meta, sections, SecEventFormats, errors, c => ReadEventFormats(c, meta));
        LoadSection(cur, meta, sections, SecKallsyms, errors, c => meta.Kallsyms = c.ReadBytes(c.U32("kallsyms size"), "kallsyms"));
        LoadSection(cur, meta, sections, SecPrintk, errors, c => meta.Printk = c.ReadBytes(c.U32("printk size"), "printk formats"));
        LoadSection(cur, meta, sections, SecCmdlines, errors, c => meta.Cmdlines = c.ReadBytes((long)c.U64("cmdlines size"), "cmdlines"));

        if (string.IsNullOrEmpty(meta.TraceClock) && meta.Buffers.Count > 0)
            meta.TraceClock = meta.Buffers[0].Clock;
        // Top buffer first, then instances in option order (trace-cmd's merge order).
        var top = meta.Buffers.FindIndex(b => b.Name.Length == 0);
        if (top > 0)
        {
            var t = meta.Buffers[top];
            meta.Buffers.RemoveAt(top);
            meta.Buffers.Insert(0, t);
        }
    }

    /// <summary>When the options chain is broken, find metadata sections by walking section headers from the end of the file header.</summary>
    static void ScanSections(DatCursor cur, long start, Dictionary<int, long> sections)
    {
        long at = start;
        for (int guard = 0; guard < 4096 && at + 16 <= cur.Stream.Length; guard++)
        {
            try
            {
                cur.Position = at;
                int id = cur.U16("section id");
                cur.U16("section flags");
                cur.U32("section string");
                long size = (long)cur.U64("section size");
                if (size < 0 || id > 64)
                    return;
                if (id is >= SecHeaderInfo and <= SecCmdlines)
                    sections.TryAdd(id, at);
                at += 16 + size;
            }
            catch (TraceDatFormatException)
            {
                return;
            }
        }
    }

    static void LoadSection(DatCursor cur, TraceDatMetadata meta, Dictionary<int, long> sections, int id,
        IngestErrorLog errors, Action<DatCursor> parse)
    {
        if (!sections.TryGetValue(id, out long at))
        {
            errors.Add(0, 0, $"v7: section {id} not referenced by any option");
            return;
        }
        try
        {
            var body = ReadSection(cur, at, meta, out int sectionId);
            if (sectionId != id)
                throw new TraceDatFormatException(at, $"expected section {id}, found {sectionId}");
            parse(body);
        }
        catch (Exception e) when (e is TraceDatFormatException or IOException or EndOfStreamException or InvalidDataException)
        {
            errors.Add(0, (e as TraceDatFormatException)?.Offset ?? at, $"v7 section {id}: " + e.Message);
        }
    }

    /// <summary>Reads a section header at <paramref name="at"/> and returns a cursor over its (decompressed) body.</summary>
    static DatCursor ReadSection(DatCursor file, long at, TraceDatMetadata meta, out int id)
    {
        file.Position = at;
        id = file.U16("section id");
        int flags = file.U16("section flags");
        file.U32("section string id");
        long size = (long)file.U64("section size");
        if (size < 0 || size > file.Remaining)
            throw new TraceDatFormatException(at, $"section size {size} runs past the end of the file");
        long bodyStart = file.Position;
        if ((flags & 1) == 0 || meta.Compression == "none")
            return new DatCursor(file.Stream, bodyStart, bodyStart + size, file.Endian);
        uint csize = file.U32("compressed size");
        uint usize = file.U32("uncompressed size");
        if (csize > size - 8)
            throw new TraceDatFormatException(at, $"compressed size {csize} exceeds section size {size}");
        byte[] src = file.ReadBytes(csize, "compressed section");
        byte[] dst = Decompress(meta.Compression, src, (int)Math.Min(usize, int.MaxValue), at);
        return new DatCursor(new MemoryStream(dst, writable: false), 0, dst.Length, file.Endian, reportOffset: at);
    }

    /// <summary>One compressed block (section body or per-CPU chunk) of known uncompressed size.</summary>
    public static byte[] Decompress(string algorithm, ReadOnlySpan<byte> src, int usize, long at)
    {
        var dst = new byte[usize];
        DecompressInto(algorithm, src, dst, at);
        return dst;
    }

    [ThreadStatic] static ZstdSharp.Decompressor? t_zstd;

    public static void DecompressInto(string algorithm, ReadOnlySpan<byte> src, Span<byte> dst, long at)
    {
        try
        {
            int n;
            switch (algorithm)
            {
                case "zstd":
                    // one decompression context per thread: creating one per 40 KB chunk dominated the profile
                    n = (t_zstd ??= new ZstdSharp.Decompressor()).Unwrap(src, dst);
                    break;
                case "zlib":
                    {
                        using var ms = new MemoryStream(src.ToArray(), writable: false);
                        using var zl = new ZLibStream(ms, CompressionMode.Decompress);
                        n = 0;
                        int r;
                        while (n < dst.Length && (r = zl.Read(dst[n..])) > 0)
                            n += r;
                        break;
                    }
                default:
                    throw new TraceDatFormatException(at, $"unsupported compression '{algorithm}'");
            }
            if (n != dst.Length)
                throw new TraceDatFormatException(at, $"decompressed {n} bytes, header said {dst.Length}");
        }
        catch (Exception e) when (e is not TraceDatFormatException)
        {
            throw new TraceDatFormatException(at, $"{algorithm} decompression failed: {e.Message}");
        }
    }

    static long ReadV7Options(DatCursor c, TraceDatMetadata meta, Dictionary<int, long> sections, IngestErrorLog errors)
    {
        while (c.Remaining >= 6)
        {
            long at = c.ReportOffset;
            ushort id = c.U16("option id");
            uint size = c.U32("option size");
            byte[] p = c.ReadBytes(size, "option payload");
            var en = c.Endian;
            switch (id)
            {
                case OptDone:
                    return p.Length >= 8 ? (long)en.U64(p) : 0;
                case OptBuffer:
                    ReadV7BufferOption(c, p, meta, at, errors);
                    break;
                case >= SecHeaderInfo and <= SecCmdlines:
                    if (p.Length >= 8)
                        sections[id] = (long)en.U64(p);
                    break;
                default:
                    ApplyOption(id, p, meta, en, at, errors);
                    break;
            }
        }
        return 0;
    }

    static void ReadV7BufferOption(DatCursor file, byte[] p, TraceDatMetadata meta, long at, IngestErrorLog errors)
    {
        var en = file.Endian;
        try
        {
            var b = new DatCursor(new MemoryStream(p, writable: false), 0, p.Length, en, reportOffset: at);
            long sectionOffset = (long)b.U64("buffer section offset");
            var buf = new DatBuffer(b.CStr("buffer name")) { Clock = b.CStr("buffer clock") };
            buf.PageSize = (int)b.U32("buffer page size");
            if (buf.PageSize is < 64 or > 1 << 24)
                throw new TraceDatFormatException(at, $"implausible buffer page size {buf.PageSize}");
            uint n = b.U32("buffer cpu count");
            if (n > 4096)
                throw new TraceDatFormatException(at, $"implausible buffer cpu count {n}");
            for (uint i = 0; i < n; i++)
            {
                int cpu = (int)b.U32("cpu id");
                long off = (long)b.U64("cpu data offset");
                long size = (long)b.U64("cpu data size");
                buf.Cpus.Add(new DatCpuData(cpu, off, size));
            }
            // The section header says whether this buffer's per-CPU data is compressed.
            var hdr = new byte[16];
            var s = file.Stream;
            if (sectionOffset > 0 && sectionOffset + 16 <= s.Length)
            {
                s.Position = sectionOffset;
                s.ReadExactly(hdr);
                buf.Compressed = (en.U16(hdr.AsSpan(2)) & 1) != 0 && meta.Compression != "none";
            }
            else if (buf.Cpus.Count > 0)
                errors.Add(0, at, $"buffer '{buf.Name}': section offset {sectionOffset} outside the file");
            meta.Buffers.Add(buf);
        }
        catch (TraceDatFormatException e)
        {
            errors.Add(0, e.Offset, "v7 BUFFER option: " + e.Message);
        }
    }
}
