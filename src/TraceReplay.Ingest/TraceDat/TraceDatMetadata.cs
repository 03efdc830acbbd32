namespace TraceReplay.Ingest.TraceDat;

/// <summary>Where one CPU's ring-buffer pages live in the file.</summary>
public readonly record struct DatCpuData(int Cpu, long Offset, long Size);

/// <summary>A flyrecord buffer: the top buffer ("") or a named instance.</summary>
public sealed class DatBuffer(string name)
{
    public string Name { get; } = name;
    public string Clock { get; set; } = "";
    public int PageSize { get; set; }
    /// <summary>v7: the BUFFER section's compressed flag; per-CPU data is then a list of compressed chunks.</summary>
    public bool Compressed { get; set; }
    public List<DatCpuData> Cpus { get; } = new();
}

/// <summary>Everything the container layer (header, v6 layout, v7 sections, options) yields before any page is decoded.</summary>
public sealed class TraceDatMetadata
{
    public int FileVersion { get; set; }
    public bool BigEndian { get; set; }
    public int UserLongSize { get; set; }
    public int PageSize { get; set; }
    /// <summary>"none", "zstd", "zlib" (v7); "none" for v6.</summary>
    public string Compression { get; set; } = "none";
    public string CompressionVersion { get; set; } = "";
    /// <summary>Kernel long size = size of header_page's commit field (4 on 32-bit kernels).</summary>
    public int KernelLongSize { get; set; } = 8;
    public byte[] HeaderPage { get; set; } = [];
    public byte[] HeaderEvent { get; set; } = [];
    public List<byte[]> FtraceFormats { get; } = new();
    public List<(string System, byte[] Format)> EventFormats { get; } = new();
    public byte[] Kallsyms { get; set; } = [];
    public byte[] Printk { get; set; } = [];
    public byte[] Cmdlines { get; set; } = [];
    public int Cpus { get; set; }
    /// <summary>Current clock from the TRACECLOCK option (the bracketed name), else the top buffer's clock.</summary>
    public string TraceClock { get; set; } = "";
    /// <summary>ns added to every timestamp (OFFSET option ns + DATE option µs·1000).</summary>
    public long TsOffset { get; set; }
    public bool HasTsc2Nsec { get; set; }
    public uint TscMult { get; set; }
    public uint TscShift { get; set; }
    public long TscOffset { get; set; }
    public string Uname { get; set; } = "";
    public string TracerVersion { get; set; } = "";
    public List<string> CpuStats { get; } = new();
    public List<DatBuffer> Buffers { get; } = new();
    /// <summary>v6 "latency" files carry the trace as text instead of pages.</summary>
    public bool LatencyText { get; set; }
}
