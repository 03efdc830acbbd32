using System.Globalization;
using CsvHelper;
using TraceReplay.Core.Tables;

namespace TraceReplay.Output;

/// <summary>
/// Writes report-table batches as RFC 4180 CSV (CsvHelper 34): "\n" line ends, invariant numbers, nulls empty,
/// booleans true/false, no formula-injection rewriting (payloads must stay byte-exact). Deterministic.
/// </summary>
sealed class CsvTableWriter : IDisposable
{
    internal static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        Injection = CsvInjection.None,
        FormatProvider = CultureInfo.InvariantCulture,
        TrueValue = "true",
        FalseValue = "false",
        NullValue = "",
    };

    readonly CsvWriter _csv;
    bool _headerWritten;

    public CsvTableWriter(Stream stream) => _csv = CsvWriter.Create(stream, Options, leaveOpen: false);

    public void Write(ReportTable batch)
    {
        if (!_headerWritten)
        {
            _csv.WriteHeader(batch.Columns.Select(c => c.Name).ToArray());
            _headerWritten = true;
        }
        int rows = batch.RowCount;
        var columns = batch.Columns;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns.Count; c++)
                WriteCell(columns[c], r);
            _csv.EndRecord();
        }
    }

    /// <summary>Writes only the header (a table with no rows still gets its columns).</summary>
    public void WriteHeaderOnly(ReportTable schema)
    {
        if (_headerWritten) return;
        _csv.WriteHeader(schema.Columns.Select(c => c.Name).ToArray());
        _headerWritten = true;
    }

    void WriteCell(ReportColumn column, int row)
    {
        if (column.IsNull(row))
        {
            _csv.WriteField(ReadOnlySpan<char>.Empty);
            return;
        }
        switch (column)
        {
            case Column<long> l: _csv.WriteField(l[row], default); break;
            case Column<int> i: _csv.WriteField(i[row], default); break;
            case Column<ulong> u: _csv.WriteField(u[row], default); break;
            case Column<double> d: _csv.WriteField(d[row], "R"); break;
            case Column<bool> b: _csv.WriteField(b[row]); break;
            case Column<string?> s: _csv.WriteField(s[row]); break;
            default: throw new NotSupportedException(column.GetType().Name);
        }
    }

    public void Flush() => _csv.Flush();

    public void Dispose() => _csv.Dispose();
}
