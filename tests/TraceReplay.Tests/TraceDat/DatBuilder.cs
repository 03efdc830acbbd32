using System.Buffers.Binary;
using System.Text;

namespace TraceReplay.Tests.TraceDat;

/// <summary>
/// Writes a minimal trace.dat v6 (tracedat.md §4.2) with one event format and hand-made ring-buffer pages, in either
/// endianness and kernel long size, so page-level cases (lost events, big-endian, 32-bit) can be tested with rows
/// whose expected values come from how the test built them.
/// </summary>
public sealed class DatBuilder(bool bigEndian, int longSize, int pageSize = 256, string printFmt = "\"value=%d\", REC->value")
{
    public const int EventId = 100;
    public string Format => FormatHead + "print fmt: " + printFmt + "\n";

    const string FormatHead =
        "name: test_ev\nID: 100\nformat:\n" +
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" +
        "\tfield:int value;\toffset:8;\tsize:4;\tsigned:1;\n\n";

    readonly MemoryStream _pages = new();
    public int PageSize => pageSize;

    public byte[] U16(int v) { var b = new byte[2]; if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); return b; }
    public byte[] U32(uint v) { var b = new byte[4]; if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public byte[] U64(ulong v) { var b = new byte[8]; if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, v); else BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }
    byte[] Long(ulong v) => longSize == 4 ? U32((uint)v) : U64(v);

    /// <summary>Event header word for type_len / time_delta.</summary>
    public byte[] Header(uint typeLen, uint delta) => U32(bigEndian ? typeLen << 27 | delta : delta << 5 | typeLen);

    /// <summary>A 12-byte test_ev record: common fields + value.</summary>
    public byte[] Record(int pid, int value, byte flags = 0, byte preempt = 0)
    {
        var r = new List<byte>();
        r.AddRange(U16(EventId)); r.Add(flags); r.Add(preempt); r.AddRange(U32((uint)pid)); r.AddRange(U32((uint)value));
        return r.ToArray();
    }

    /// <summary>Adds a page: timestamp, event bytes, commit flag bits (31 missed, 30 stored, sign-extended) and the stored count.</summary>
    public void AddPage(ulong ts, byte[] events, bool missed = false, long storedLost = -1)
    {
        var page = new byte[pageSize];
        U64(ts).CopyTo(page, 0);
        ulong commit = (ulong)events.Length;
        if (missed) commit |= 0xffffffff80000000UL;
        if (storedLost >= 0) commit |= 0xffffffffc0000000UL;
        if (longSize == 4) commit &= 0xffffffff;
        Long(commit).CopyTo(page, 8);
        events.CopyTo(page, 8 + longSize);
        if (storedLost >= 0)
            Long((ulong)storedLost).CopyTo(page, 8 + longSize + events.Length);
        _pages.Write(page);
    }

    public byte[] Build(string cmdlines = "4242 tester\n")
    {
        var f = new MemoryStream();
        void W(byte[] b) => f.Write(b);
        void S(string s) => f.Write(Encoding.ASCII.GetBytes(s));
        W([0x17, 0x08, 0x44]); S("tracing6\0");
        f.WriteByte(bigEndian ? (byte)1 : (byte)0);
        f.WriteByte((byte)longSize);
        W(U32((uint)pageSize));
        string headerPage = $"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:{longSize};\tsigned:1;\n" +
                            $"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\tfield: char data;\toffset:{8 + longSize};\tsize:{pageSize - 8 - longSize};\tsigned:0;\n";
        S("header_page\0"); W(U64((ulong)headerPage.Length)); S(headerPage);
        S("header_event\0"); W(U64(0));
        W(U32(0)); // ftrace formats
        W(U32(1)); S("test\0"); W(U32(1)); W(U64((ulong)Format.Length)); S(Format);
        W(U32(0)); // kallsyms
        W(U32(0)); // printk
        W(U64((ulong)cmdlines.Length)); S(cmdlines);
        W(U32(1)); // cpus
        S("options  \0"); W(U16(0));
        S("flyrecord\0");
        long tableAt = f.Position;
        W(U64(0)); W(U64(0));
        long dataAt = (f.Position + pageSize - 1) / pageSize * pageSize;
        f.SetLength(dataAt);
        f.Position = dataAt;
        _pages.Position = 0;
        _pages.CopyTo(f);
        f.Position = tableAt;
        W(U64((ulong)dataAt)); W(U64((ulong)_pages.Length));
        return f.ToArray();
    }
}
