using System.Globalization;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output.Timeline;

/// <summary>Typed reads of one cell by column name, the same for Parquet-typed and CSV (string) columns; null when the column or value is missing.</summary>
public static class Cells
{
    public static bool Has(ReportTable t, string column) => Find(t, column) != null;

    public static long? Int64(ReportTable t, string column, int row)
    {
        var c = Find(t, column);
        if (c == null || c.IsNull(row)) return null;
        return c switch
        {
            Column<long> l => l[row],
            Column<int> i => i[row],
            Column<ulong> u => unchecked((long)u[row]),
            Column<string?> s => long.TryParse(s[row], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : null,
            _ => null,
        };
    }

    /// <summary>Kernel addresses: unsigned 64-bit, decimal in CSV.</summary>
    public static ulong? UInt64(ReportTable t, string column, int row)
    {
        var c = Find(t, column);
        if (c == null || c.IsNull(row)) return null;
        return c switch
        {
            Column<ulong> u => u[row],
            Column<long> l => unchecked((ulong)l[row]),
            Column<string?> s => ulong.TryParse(s[row], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : null,
            _ => null,
        };
    }

    public static string? String(ReportTable t, string column, int row)
    {
        var c = Find(t, column);
        if (c == null || c.IsNull(row)) return null;
        return c switch
        {
            Column<string?> s => s[row],
            Column<long> l => l[row].ToString(CultureInfo.InvariantCulture),
            Column<int> i => i[row].ToString(CultureInfo.InvariantCulture),
            Column<ulong> u => u[row].ToString(CultureInfo.InvariantCulture),
            Column<double> d => d[row].ToString("R", CultureInfo.InvariantCulture),
            Column<bool> b => b[row] ? "true" : "false",
            _ => null,
        };
    }

    public static bool? Bool(ReportTable t, string column, int row)
    {
        var c = Find(t, column);
        if (c == null || c.IsNull(row)) return null;
        return c switch
        {
            Column<bool> b => b[row],
            Column<string?> s => s[row] == "true",
            _ => null,
        };
    }

    static ReportColumn? Find(ReportTable t, string column)
    {
        foreach (var c in t.Columns)
            if (c.Name == column) return c;
        return null;
    }
}
