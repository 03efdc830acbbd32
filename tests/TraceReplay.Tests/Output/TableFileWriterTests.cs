using TraceReplay.Core.Tables;
using TraceReplay.Output;

namespace TraceReplay.Tests.Output;

public sealed class TableFileWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tr-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static ReportTable Sample()
    {
        var t = new ReportTable("sample");
        var trace = t.String("trace");
        var ts = t.Int64("ts_ns");
        var cpu = t.Int32("cpu");
        var addr = t.UInt64("addr");
        var ok = t.Bool("ok");
        var ratio = t.Double("ratio");
        trace.Append("a/b.txt"); ts.Append(12300846672000); cpu.Append(1); addr.Append(0xffff8881113af318); ok.Append(true); ratio.Append(0.1);
        trace.Append("x,\"y\"\nz"); ts.AppendNull(); cpu.Append(-1); addr.AppendNull(); ok.Append(false); ratio.Append(double.NaN);
        t.EndRow();
        return t;
    }

    [Fact]
    public void Csv_has_header_quoting_nulls_and_lf_line_ends()
    {
        TableFileWriter.WriteTable(_dir, Sample());
        string csv = File.ReadAllText(Path.Combine(_dir, "sample.csv"));
        Assert.Equal(
            "trace,ts_ns,cpu,addr,ok,ratio\n" +
            "a/b.txt,12300846672000,1,18446612686654075672,true,0.1\n" +
            "\"x,\"\"y\"\"\nz\",,-1,,false,NaN\n", csv);
    }

    [Fact]
    public void Parquet_round_trips_values_and_nulls()
    {
        TableFileWriter.WriteTable(_dir, Sample());
        var back = ParquetTableReader.ReadRowGroups(Path.Combine(_dir, "sample.parquet"), "sample").Single();
        Assert.Equal(["trace", "ts_ns", "cpu", "addr", "ok", "ratio"], back.Columns.Select(c => c.Name));
        var ts = (Column<long>)back["ts_ns"];
        Assert.Equal(12300846672000, ts[0]);
        Assert.True(ts.IsNull(1));
        Assert.Equal(0xffff8881113af318UL, ((Column<ulong>)back["addr"])[0]);
        Assert.Equal("x,\"y\"\nz", ((Column<string?>)back["trace"])[1]);
    }

    [Fact]
    public void Same_table_written_twice_gives_identical_bytes()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        TableFileWriter.WriteTable(a, Sample());
        TableFileWriter.WriteTable(b, Sample());
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "sample.csv")), File.ReadAllBytes(Path.Combine(b, "sample.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "sample.parquet")), File.ReadAllBytes(Path.Combine(b, "sample.parquet")));
    }

    [Fact]
    public void Writer_disposed_without_commit_leaves_no_file_and_keeps_the_old_one()
    {
        TableFileWriter.WriteTable(_dir, Sample());
        byte[] before = File.ReadAllBytes(Path.Combine(_dir, "sample.csv"));
        using (var w = new TableFileWriter(_dir, "sample"))
        {
            w.Write(Sample());
            // no Commit: as if the run failed half-way
        }
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_dir, "sample.csv")));
        Assert.Equal(["sample.csv", "sample.parquet"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Single_layout_merges_partitions_in_the_given_trace_order()
    {
        var output = new ReportOutput(_dir, OutputLayout.Single);
        foreach (string trace in new[] { "t2", "t1" })
        {
            var t = new ReportTable("findings");
            t.String("trace").Append(trace);
            t.Int64("n").Append(trace == "t1" ? 1 : 2);
            output.WritePartition(trace, t);
        }
        var empty = new ReportTable("nobody_made_me");
        empty.String("trace");
        output.Finish(["t1", "t2"], [empty]);
        Assert.Equal("trace,n\nt1,1\nt2,2\n", File.ReadAllText(Path.Combine(_dir, "findings.csv")));
        Assert.Equal("trace\n", File.ReadAllText(Path.Combine(_dir, "nobody_made_me.csv")));
        var df = DataFrames.LoadTable(_dir, "findings");
        Assert.Equal(2, df.Rows.Count);
        Assert.Equal(1L, df["n"][0]);
    }
}
