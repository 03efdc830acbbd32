using System.Text;

namespace TraceReplay.Ingest.TraceDat;

/// <summary>One field line of a format file ("field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;").</summary>
public sealed class FormatField
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public int Offset { get; init; }
    public int Size { get; init; }
    public bool Signed { get; init; }
    public bool IsArray { get; init; }
    /// <summary>Element count of a fixed array; 0 for "[]" (the rest of the record).</summary>
    public int ArrayLength { get; init; }
    public bool IsPointer { get; init; }
    /// <summary>__data_loc: the field holds offset (low 16 bits) | length (high 16 bits) of the data.</summary>
    public bool IsDataLoc { get; init; }
    /// <summary>__rel_loc: like __data_loc, offset counted from the end of this field.</summary>
    public bool IsRelLoc { get; init; }
    /// <summary>char/u8/s8 arrays and dynamic char arrays print as strings.</summary>
    public bool IsString { get; init; }
    public bool IsLong { get; init; }
    public bool IsCommon { get; init; }
    /// <summary>Index among the event's fields (common included), for "already emitted" bitmaps.</summary>
    public int Index { get; set; }
    /// <summary>Interned key id (set by the reader).</summary>
    public int Key { get; set; }
}

/// <summary>A parsed events/SYS/EVENT/format file.</summary>
public sealed class EventFormat
{
    public required string System { get; init; }
    public required string Name { get; init; }
    public int Id { get; init; }
    public required List<FormatField> Fields { get; init; }
    /// <summary>The text after "print fmt: " (unparsed).</summary>
    public string PrintFmt { get; init; } = "";

    public FormatField? Find(string name)
    {
        foreach (var f in Fields)
            if (f.Name == name)
                return f;
        return null;
    }
}

/// <summary>Parses format-file text. Malformed lines are skipped (the caller reports a format without ID).</summary>
public static class EventFormatParser
{
    public static EventFormat? Parse(string system, ReadOnlySpan<byte> text)
    {
        string s = Encoding.UTF8.GetString(text);
        string? name = null, printFmt = null;
        int id = -1;
        bool common = true;
        var fields = new List<FormatField>();
        foreach (var raw in s.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            string t = line.Trim();
            if (t.StartsWith("name:", StringComparison.Ordinal))
                name = t[5..].Trim();
            else if (t.StartsWith("ID:", StringComparison.Ordinal))
                int.TryParse(t[3..].Trim(), out id);
            else if (t.StartsWith("print fmt:", StringComparison.Ordinal))
                break; // taken below: it may span several lines
            else if (t.StartsWith("field", StringComparison.Ordinal))
            {
                var f = ParseField(t, common);
                if (f is not null)
                {
                    f.Index = fields.Count;
                    fields.Add(f);
                }
            }
            else if (t.Length == 0 && fields.Count > 0)
                common = false;
        }
        int pf = s.IndexOf("print fmt:", StringComparison.Ordinal);
        if (pf >= 0)
            printFmt = s[(pf + 10)..].Trim();
        if (name is null || id < 0)
            return null;
        return new EventFormat { System = system, Name = name, Id = id, Fields = fields, PrintFmt = printFmt ?? "" };
    }

    /// <summary>Field lines only (header_page).</summary>
    public static List<FormatField> ParseFieldLines(ReadOnlySpan<byte> text)
    {
        var list = new List<FormatField>();
        foreach (var raw in Encoding.UTF8.GetString(text).Split('\n'))
        {
            var f = ParseField(raw.Trim(), common: false);
            if (f is not null)
                list.Add(f);
        }
        return list;
    }

    static FormatField? ParseField(string t, bool common)
    {
        // field:TYPE NAME;	offset:N;	size:N;	signed:N;   (header_page: "field: u64 timestamp;")
        if (!t.StartsWith("field", StringComparison.Ordinal))
            return null;
        int colon = t.IndexOf(':');
        int semi = t.IndexOf(';');
        if (colon < 0 || semi < colon)
            return null;
        string decl = t[(colon + 1)..semi].Trim();
        int offset = Attr(t, "offset:"), size = Attr(t, "size:"), signedAttr = Attr(t, "signed:");
        if (offset < 0 || size < 0)
            return null;

        string nameToken;
        string type;
        int lastSpace = decl.LastIndexOfAny([' ', '\t', '*']);
        // "char buf[]", "__data_loc char[] name", "u32 x[4]", "const char * s"
        if (lastSpace < 0)
            return null;
        nameToken = decl[(lastSpace + 1)..].Trim();
        type = decl[..(lastSpace + 1)].Trim();
        bool isArray = false;
        int arrayLen = 0;
        int br = nameToken.IndexOf('[');
        if (br >= 0)
        {
            isArray = true;
            int close = nameToken.IndexOf(']', br);
            if (close > br + 1)
                int.TryParse(nameToken.AsSpan(br + 1, close - br - 1), out arrayLen);
            nameToken = nameToken[..br];
        }
        bool dataLoc = type.StartsWith("__data_loc", StringComparison.Ordinal);
        bool relLoc = type.StartsWith("__rel_loc", StringComparison.Ordinal);
        if (type.Contains('[')) // "__data_loc char[]" → array type
            isArray = true;
        string baseType = type.Replace("__data_loc", "").Replace("__rel_loc", "").Replace("[]", "").Replace("const", "").Trim();
        bool isCharLike = baseType is "char" or "unsigned char" or "signed char" or "u8" or "s8" or "__u8" or "__s8";
        return new FormatField
        {
            Name = nameToken,
            Type = type,
            Offset = offset,
            Size = size,
            Signed = signedAttr > 0,
            IsArray = isArray || dataLoc || relLoc,
            ArrayLength = arrayLen,
            IsPointer = type.Contains('*'),
            IsDataLoc = dataLoc,
            IsRelLoc = relLoc,
            IsString = isCharLike && (isArray || dataLoc || relLoc),
            IsLong = type.Contains("long", StringComparison.Ordinal),
            IsCommon = common && nameToken.StartsWith("common_", StringComparison.Ordinal),
        };
    }

    static int Attr(string t, string key)
    {
        int i = t.IndexOf(key, StringComparison.Ordinal);
        if (i < 0)
            return -1;
        i += key.Length;
        int j = i;
        while (j < t.Length && (char.IsDigit(t[j]) || t[j] == '-'))
            j++;
        return int.TryParse(t.AsSpan(i, j - i), out int v) ? v : -1;
    }
}
