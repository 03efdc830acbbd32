using System.Text;
using Parquet;
using TraceReplay.Core.Events;
using TraceReplay.Core.Interning;
using TraceReplay.Core.Tables;
using TraceReplay.Ingest;
using TraceReplay.Output;

namespace TraceReplay.Tests.Output;

/// <summary>
/// EventsParquetWriter's files read back with Parquet.Net (an independent implementation) must hold exactly the cells
/// of the string batch EventsTable builds for the CSV (the values the old Parquet.Net-written file held), with the
/// same schema and metadata as Parquet.Net's own file.
/// </summary>
public sealed class EventsParquetWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tr-evpq-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ingest/paired_small.trace.txt.gz", 4096)]                    // real 6.18 text, 6 row groups
    [InlineData("tracedat/small_v7zstd_x86tsc.dat", 1000)]                     // binary: line null, raw flags null
    [InlineData("ingest/perftools_functrace_example.txt", 10)]               // function tracer, no TGID
    [InlineData("ingest/tc_trace-android-sched-irq.txt", 64)]
    [InlineData("ingest/catapult_decompressed_atrace_data_tgid.txt", 100)]   // TGID column, (-------)
    [InlineData("ingest/tc_trace-func-graph_tracecmd-report.txt", 128)]
    public void Real_traces_read_back_cell_for_cell(string fixture, int rowGroupRows)
    {
        string path = Path.Combine(_dir, "events.parquet");
        var expected = WriteFixture(fixture, path, rowGroupRows);
        Assert.True(expected.RowCount > rowGroupRows, "the fixture spans more than one row group");
        AssertCellsEqual(expected, path);
        using var reader = OpenParquet(path);
        Assert.Equal((expected.RowCount + rowGroupRows - 1) / rowGroupRows, reader.RowGroupCount);
    }

    [Fact]
    public void Every_nullable_column_non_ascii_and_invalid_utf8_and_a_row_group_boundary_inside_a_chunk()
    {
        var names = new NameTable();
        var chunk = new EventChunk(8);
        int r = chunk.AddRow(); // every column at its "unknown" value
        chunk.Seq[r] = 0;

        r = chunk.AddRow();
        chunk.Seq[r] = 1; chunk.Line[r] = 17; chunk.ByteOffset[r] = 900; chunk.TsNs[r] = 12300846672000;
        chunk.Cpu[r] = 3; chunk.Pid[r] = 4242; chunk.Tgid[r] = 4240;
        chunk.Comm[r] = names.Intern("kworker/0:1-événements"u8);
        chunk.Event[r] = names.Intern("sched_switch"u8);
        chunk.Kind[r] = EventKind.GraphExit;
        chunk.Flags[r] = names.Intern("dNs2."u8);
        chunk.Context[r] = ContextBits.Known | ContextBits.IrqsOff | ContextBits.SoftIrq;
        chunk.NeedResched[r] = (byte)'N'; chunk.PreemptDepth[r] = 2; chunk.MigrateDisable[r] = 0;
        chunk.SetPayload(r, "prev_comm=swapper/0 → 世界 😀"u8);

        r = chunk.AddRow(); // known context whose irqs state is not supported ('X'), a letter we do not name, bad UTF-8
        chunk.Seq[r] = 2; chunk.Line[r] = 18; chunk.Cpu[r] = 0; chunk.Pid[r] = 0;
        chunk.Comm[r] = names.Intern([0x63, 0xFF, 0x64]);
        chunk.Context[r] = ContextBits.Known | ContextBits.IrqsNotSupported | ContextBits.HardIrq | ContextBits.Nmi | ContextBits.BhOff;
        chunk.NeedResched[r] = (byte)'Z'; chunk.PreemptDepth[r] = 0; chunk.MigrateDisable[r] = 5;
        chunk.SetPayload(r, [0x61, 0xC3, 0x28, 0xFF, 0x62]);

        var expected = new EventsTable().Append(chunk, names, "hand/made.txt");
        string path = Path.Combine(_dir, "events.parquet");
        WriteChunk(path, "hand/made.txt", names, chunk, rowGroupRows: 2);
        AssertCellsEqual(expected, path);

        var back = ReadAll(path);
        foreach (string nullable in new[] { "line", "cpu", "pid", "tgid", "flags", "irqs_off", "bh_off", "need_resched", "hardirq", "softirq", "nmi", "preempt_depth", "migrate_disable" })
            Assert.True(back[nullable].IsNull(0), nullable + " of the unknown row is null");
        Assert.Equal("", ((Column<string?>)back["comm"])[0]);
        Assert.Equal("", ((Column<string?>)back["payload"])[0]);
        Assert.Equal("kworker/0:1-événements", ((Column<string?>)back["comm"])[1]);
        Assert.Equal("prev_comm=swapper/0 → 世界 😀", ((Column<string?>)back["payload"])[1]);
        Assert.Equal("graph_exit", ((Column<string?>)back["kind"])[1]);
        Assert.Equal("N", ((Column<string?>)back["need_resched"])[1]);
        Assert.True(((Column<bool>)back["irqs_off"])[1]);
        Assert.True(back["irqs_off"].IsNull(2));
        Assert.True(back["need_resched"].IsNull(2));
        Assert.Equal("a\uFFFD(\uFFFDb", ((Column<string?>)back["payload"])[2]);
        Assert.Equal("c\uFFFDd", ((Column<string?>)back["comm"])[2]);
        Assert.Equal(5, ((Column<int>)back["migrate_disable"])[2]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Invalid_utf8_payload_bytes_are_stored_as_the_csv_text_not_raw(bool asciiRowBeside)
    {
        // A reader decodes raw invalid bytes to U+FFFD too, so compare the stored sizes: "a" 0xFF "b" must be stored
        // as "a\uFFFDb" (5 bytes), 2 bytes more than the 3-byte "a?b". With an ASCII row beside it the chunk's text is
        // not all ASCII either way; the raw bytes must never reach the file.
        long PayloadBytes(byte[] payload)
        {
            var names = new NameTable();
            var chunk = new EventChunk(4);
            int r = chunk.AddRow();
            chunk.SetPayload(r, payload);
            if (asciiRowBeside)
                chunk.SetPayload(chunk.AddRow(), "plain"u8);
            string path = Path.Combine(_dir, $"utf8-{payload.Length}-{payload[1]}.parquet");
            WriteChunk(path, "t", names, chunk);
            using var file = OpenParquet(path);
            return file.Metadata!.RowGroups[0].Columns.Single(c => c.MetaData!.PathInSchema[^1] == "payload").MetaData!.TotalUncompressedSize;
        }
        Assert.Equal(PayloadBytes("a?b"u8.ToArray()) + 2, PayloadBytes([0x61, 0xFF, 0x62]));
    }

    [Fact]
    public void Extreme_and_random_integers_survive_the_delta_encoding()
    {
        var names = new NameTable();
        var chunk = new EventChunk(1000);
        var random = new Random(20261126);
        long[] extremes = [long.MinValue, long.MaxValue, 0, -1, 1, long.MinValue + 1, long.MaxValue - 1];
        int[] extremes32 = [int.MaxValue, 0, int.MaxValue - 1, 1];
        for (int i = 0; i < 1000; i++)
        {
            int r = chunk.AddRow();
            bool wild = i % 97 < 7;
            chunk.Seq[r] = wild ? extremes[i % 97] : i;
            chunk.TsNs[r] = wild ? extremes[(i + 3) % 7] : random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(0, 63);
            chunk.ByteOffset[r] = i * 100 + random.Next(0, 50);
            chunk.Line[r] = i % 5 == 0 ? 0 : random.NextInt64(1, long.MaxValue) >> random.Next(0, 62); // nulls between values
            chunk.Cpu[r] = wild ? extremes32[i % 4] : random.Next(-1, 8);
            chunk.Pid[r] = random.Next(-1, int.MaxValue) >> random.Next(0, 31);
            chunk.Tgid[r] = i < 300 ? -1 : int.MaxValue - i;
            chunk.PreemptDepth[r] = (sbyte)random.Next(-1, 128);
            chunk.MigrateDisable[r] = (sbyte)random.Next(-1, 3);
            chunk.Comm[r] = names.Intern(Encoding.UTF8.GetBytes("comm" + random.Next(0, 300)));
            chunk.SetPayload(r, Encoding.UTF8.GetBytes($"p={i}"));
        }
        var expected = new EventsTable().Append(chunk, names, "random");
        string path = Path.Combine(_dir, "events.parquet");
        WriteChunk(path, "random", names, chunk, rowGroupRows: 450);
        AssertCellsEqual(expected, path);
    }

    [Theory]
    [InlineData("ingest/paired_small.trace.txt.gz", 4096)]
    [InlineData("tracedat/small_v7zstd_x86tsc.dat", 1000)]
    public void Row_group_statistics_hold_the_null_count_and_min_max_of_their_rows(string fixture, int rowGroupRows)
    {
        string path = Path.Combine(_dir, "events.parquet");
        var expected = WriteFixture(fixture, path, rowGroupRows);
        using var file = OpenParquet(path);
        var groups = file.Metadata!.RowGroups;
        int checkedStats = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            int from = g * rowGroupRows, to = Math.Min(expected.RowCount, from + rowGroupRows);
            for (int c = 0; c < expected.Columns.Count; c++)
            {
                var column = expected.Columns[c];
                var stats = groups[g].Columns[c].MetaData!.Statistics!;
                var present = Enumerable.Range(from, to - from).Where(r => !column.IsNull(r)).ToList();
                Assert.Equal(to - from - present.Count, stats.NullCount);
                if (column.Name == "payload" || column is Column<bool> || present.Count == 0)
                {
                    Assert.Null(stats.MinValue);
                    continue;
                }
                byte[][] values = column switch
                {
                    Column<long> l => present.Select(r => BitConverter.GetBytes(l[r])).ToArray(),
                    Column<int> i => present.Select(r => BitConverter.GetBytes(i[r])).ToArray(),
                    Column<string?> s => present.Select(r => Encoding.UTF8.GetBytes(s[r]!)).ToArray(),
                    _ => throw new NotSupportedException(column.Name),
                };
                Comparison<byte[]> order = column switch
                {
                    Column<long> => (a, b) => BitConverter.ToInt64(a).CompareTo(BitConverter.ToInt64(b)),
                    Column<int> => (a, b) => BitConverter.ToInt32(a).CompareTo(BitConverter.ToInt32(b)),
                    _ => (a, b) => a.AsSpan().SequenceCompareTo(b),
                };
                Array.Sort(values, order);
                Assert.Equal(values[0], stats.MinValue);
                Assert.Equal(values[^1], stats.MaxValue);
                checkedStats++;
            }
        }
        Assert.True(checkedStats > groups.Count * 10);
    }

    [Fact]
    public void Schema_and_metadata_are_the_ones_Parquet_Net_wrote()
    {
        string ours = Path.Combine(_dir, "events.parquet");
        var batch = WriteFixture("ingest/tc_trace-android-sched-irq.txt", ours, EventsParquetWriter.DefaultRowGroupRows);
        string theirs = Path.Combine(_dir, "old");
        TableFileWriter.WriteTable(theirs, batch, csv: false);
        using var a = OpenParquet(Path.Combine(theirs, "events.parquet"));
        using var b = OpenParquet(ours);
        Assert.Equal(Describe(a), Describe(b));
        Assert.Equal(a.CustomMetadata.OrderBy(kv => kv.Key), b.CustomMetadata.OrderBy(kv => kv.Key));
        Assert.Equal("events", b.CustomMetadata["table"]);
    }

    [Fact]
    public void Empty_trace_is_a_schema_without_row_groups_like_Parquet_Net_wrote()
    {
        string ours = Path.Combine(_dir, "events.parquet");
        using (var writer = new EventsParquetWriter(File.Create(ours)))
        {
            writer.Begin("empty.txt", new NameTable());
            writer.Finish();
        }
        string theirs = Path.Combine(_dir, "old");
        TableFileWriter.WriteTable(theirs, new EventsTable().Batch, csv: false);
        using var a = OpenParquet(Path.Combine(theirs, "events.parquet"));
        using var b = OpenParquet(ours);
        Assert.Equal(0, b.RowGroupCount);
        Assert.Equal(0, b.Metadata!.NumRows);
        Assert.Equal(Describe(a), Describe(b));
        Assert.Equal(21, ParquetTableReader.ReadSchema(ours, "events").Columns.Count);
    }

    [Fact]
    public void Same_events_give_the_same_bytes_whatever_the_chunk_size()
    {
        string first = Path.Combine(_dir, "a.parquet"), second = Path.Combine(_dir, "b.parquet"), third = Path.Combine(_dir, "c.parquet");
        WriteFixture("ingest/paired_small.trace.txt.gz", first, 5000);
        WriteFixture("ingest/paired_small.trace.txt.gz", second, 5000);
        WriteFixture("ingest/paired_small.trace.txt.gz", third, 5000, chunkRows: 777);
        byte[] bytes = File.ReadAllBytes(first);
        Assert.Equal(bytes, File.ReadAllBytes(second));
        Assert.Equal(bytes, File.ReadAllBytes(third));
    }

    [Fact]
    public void Long_payloads_end_row_groups_early_at_the_same_rows_whatever_the_chunk_size()
    {
        string first = Path.Combine(_dir, "a.parquet"), second = Path.Combine(_dir, "b.parquet");
        var expected = WriteFixture("ingest/paired_small.trace.txt.gz", first, 5000, payloadBytes: 100_000);
        WriteFixture("ingest/paired_small.trace.txt.gz", second, 5000, chunkRows: 333, payloadBytes: 100_000);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        AssertCellsEqual(expected, first);
        using var file = OpenParquet(first);
        long payload = 0;
        for (int row = 0; row < expected.RowCount; row++)
            payload += 4 + Encoding.UTF8.GetByteCount(((Column<string?>)expected["payload"])[row]!);
        Assert.True(file.RowGroupCount >= payload / 100_000, $"{file.RowGroupCount} row groups for {payload} payload bytes");
        Assert.All(file.Metadata!.RowGroups, g => Assert.True(g.NumRows < 5000));
    }

    [Fact]
    public void Events_file_sink_writes_csv_and_parquet_that_agree()
    {
        var reader = TraceOpener.Open(TestData.Path("ingest/tc_trace-android-sched-irq.txt"), "android.txt");
        using (var sink = new EventsFileSink(_dir))
        {
            var chunk = new EventChunk();
            bool begun = false;
            while (reader.Read(chunk))
            {
                if (!begun) sink.Begin(reader.Info, reader.Names);
                begun = true;
                sink.Consume(chunk);
            }
            sink.End();
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
        var csv = File.ReadAllLines(Path.Combine(_dir, "events.csv"));
        var back = ReadAll(Path.Combine(_dir, "events.parquet"));
        Assert.Equal(csv.Length - 1, back.RowCount);
        Assert.Equal(csv[0], string.Join(',', back.Columns.Select(c => c.Name)));
        // Rows without quoting are compared field by field (nulls are empty in the CSV).
        int compared = 0;
        for (int row = 0; row < back.RowCount; row++)
        {
            if (csv[row + 1].Contains('"')) continue;
            var fields = csv[row + 1].Split(',');
            if (fields.Length != back.Columns.Count) continue;
            for (int c = 0; c < fields.Length; c++)
                Assert.Equal(fields[c], CsvText(back.Columns[c], row));
            compared++;
        }
        Assert.True(compared > back.RowCount / 2, $"only {compared} of {back.RowCount} rows compared");
    }

    static string CsvText(ReportColumn column, int row) => column.IsNull(row) ? "" : column switch
    {
        Column<long> l => l[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
        Column<int> i => i[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
        Column<bool> b => b[row] ? "true" : "false",
        Column<string?> s => s[row]!,
        _ => throw new NotSupportedException(column.GetType().Name),
    };

    /// <summary>One chunk as a whole events.parquet.</summary>
    static void WriteChunk(string path, string trace, NameTable names, EventChunk chunk, int rowGroupRows = EventsParquetWriter.DefaultRowGroupRows)
    {
        using var writer = new EventsParquetWriter(File.Create(path), rowGroupRows);
        writer.Begin(trace, names);
        writer.Append(chunk);
        writer.Finish();
    }

    /// <summary>Writes a fixture with the writer and returns the EventsTable batch of the same chunks (the CSV's cells).</summary>
    static ReportTable WriteFixture(string fixture, string path, int rowGroupRows, int chunkRows = EventChunk.DefaultCapacity,
        int payloadBytes = EventsParquetWriter.DefaultRowGroupPayloadBytes)
    {
        var reader = TraceOpener.Open(TestData.Path(fixture), fixture);
        var expected = new EventsTable();
        var chunk = new EventChunk(chunkRows);
        using var writer = new EventsParquetWriter(File.Create(path), rowGroupRows, rowGroupPayloadBytes: payloadBytes);
        bool begun = false;
        while (reader.Read(chunk))
        {
            if (!begun) writer.Begin(reader.Info.Name, reader.Names);
            begun = true;
            expected.Append(chunk, reader.Names, reader.Info.Name);
            writer.Append(chunk);
        }
        writer.Finish();
        return expected.Batch;
    }

    static ReportTable ReadAll(string path)
    {
        ReportTable? all = null;
        foreach (var group in ParquetTableReader.ReadRowGroups(path, "events"))
        {
            all ??= new ReportTable("events").CopySchemaFrom(group);
            for (int row = 0; row < group.RowCount; row++)
                for (int c = 0; c < group.Columns.Count; c++)
                    AppendCell(all.Columns[c], group.Columns[c], row);
        }
        return all ?? ParquetTableReader.ReadSchema(path, "events");
    }

    static void AppendCell(ReportColumn to, ReportColumn from, int row)
    {
        if (from.IsNull(row)) { to.AppendNull(); return; }
        switch (from)
        {
            case Column<long> l: ((Column<long>)to).Append(l[row]); break;
            case Column<int> i: ((Column<int>)to).Append(i[row]); break;
            case Column<bool> b: ((Column<bool>)to).Append(b[row]); break;
            case Column<string?> s: ((Column<string?>)to).Append(s[row]); break;
            default: throw new NotSupportedException(from.GetType().Name);
        }
    }

    static void AssertCellsEqual(ReportTable expected, string path)
    {
        var back = ReadAll(path);
        Assert.Equal(expected.Columns.Select(c => c.Name), back.Columns.Select(c => c.Name));
        Assert.Equal(expected.RowCount, back.RowCount);
        for (int c = 0; c < expected.Columns.Count; c++)
        {
            var want = expected.Columns[c];
            var got = back.Columns[c];
            Assert.Equal(want.GetType(), got.GetType());
            for (int row = 0; row < expected.RowCount; row++)
            {
                object? w = Cell(want, row), g = Cell(got, row);
                if (!Equals(w, g))
                    Assert.Fail($"{want.Name} row {row}: expected {w ?? "null"}, read back {g ?? "null"}");
            }
        }
    }

    static object? Cell(ReportColumn column, int row) => column.IsNull(row) ? null : column switch
    {
        Column<long> l => l[row],
        Column<int> i => i[row],
        Column<bool> b => b[row],
        Column<string?> s => s[row],
        _ => throw new NotSupportedException(column.GetType().Name),
    };

    sealed class OpenedParquet(FileStream stream, ParquetReader reader) : IDisposable
    {
        public int RowGroupCount => reader.RowGroupCount;
        public Parquet.Meta.FileMetaData? Metadata => reader.Metadata;
        public IReadOnlyDictionary<string, string> CustomMetadata => reader.CustomMetadata;
        public void Dispose()
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            stream.Dispose();
        }
    }

    static OpenedParquet OpenParquet(string path)
    {
        var stream = File.OpenRead(path);
        return new OpenedParquet(stream, ParquetReader.CreateAsync(stream).GetAwaiter().GetResult());
    }

    /// <summary>Every schema element as the footer declares it: name, physical, repetition, converted and logical type.</summary>
    static List<string> Describe(OpenedParquet file) => file.Metadata!.Schema.Select(e =>
        $"{e.Name} type={e.Type} rep={e.RepetitionType} children={e.NumChildren} converted={e.ConvertedType} " +
        $"string={e.LogicalType?.STRING != null} int={e.LogicalType?.INTEGER?.BitWidth}/{e.LogicalType?.INTEGER?.IsSigned}").ToList();
}
