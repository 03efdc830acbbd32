#:package DuckDB.NET.Data.Full@1.5.6.1
#:property PublishAot=false
#:property ManagePackageVersionsCentrally=false
// One-off independent check of an events.parquet (issue 2): DuckDB (a second Parquet implementation, not Parquet.Net)
// reads FILE.parquet and FILE.csv and must find the same rows: same column names and order, same row count, and no
// row of one missing from the other (EXCEPT ALL both ways, row order kept by seq), with nulls compared as nulls.
// The CSV is read with every column as text and its empty fields as NULL; the Parquet side is cast to text the way
// the CSV prints values (booleans true/false), so "" vs NULL in strings is the only difference the CSV cannot show:
// string columns are therefore compared with NULL and "" folded together, and the Parquet file's own null counts
// per column are printed for inspection.
// Usage: dotnet run bench/parquet-verify.cs -- FILE.parquet FILE.csv
using DuckDB.NET.Data;

if (args.Length != 2) { Console.Error.WriteLine("usage: parquet-verify FILE.parquet FILE.csv"); return 2; }
string parquet = args[0].Replace("'", "''"), csv = args[1].Replace("'", "''");
using var db = new DuckDBConnection("Data Source=:memory:");
db.Open();

var pqColumns = Columns($"SELECT * FROM read_parquet('{parquet}')");
var csvColumns = Columns($"SELECT * FROM read_csv('{csv}', all_varchar = true, header = true)");
Console.WriteLine($"parquet columns: {string.Join(",", pqColumns.Select(c => c.Name + ":" + c.Type))}");
if (!pqColumns.Select(c => c.Name).SequenceEqual(csvColumns.Select(c => c.Name)))
{
    Console.WriteLine("DIFFERENT column names/order: csv " + string.Join(",", csvColumns.Select(c => c.Name)));
    return 1;
}
string Text(string column, string type) => type switch
{
    "BOOLEAN" => $"CASE WHEN \"{column}\" THEN 'true' WHEN NOT \"{column}\" THEN 'false' END",
    "VARCHAR" => $"COALESCE(\"{column}\", '')",
    _ => $"CAST(\"{column}\" AS VARCHAR)",
};
string pqSelect = string.Join(", ", pqColumns.Select(c => $"{Text(c.Name, c.Type)} AS \"{c.Name}\""));
string csvSelect = string.Join(", ", pqColumns.Select(c => c.Type == "VARCHAR" ? $"COALESCE(\"{c.Name}\", '') AS \"{c.Name}\"" : $"\"{c.Name}\""));
Exec($"CREATE TABLE p AS SELECT {pqSelect} FROM read_parquet('{parquet}')");
Exec($"CREATE TABLE c AS SELECT {csvSelect} FROM read_csv('{csv}', all_varchar = true, header = true, quote = '\"', escape = '\"', null_padding = false)");
long pRows = Scalar("SELECT count(*) FROM p"), cRows = Scalar("SELECT count(*) FROM c");
long onlyP = Scalar("SELECT count(*) FROM (SELECT * FROM p EXCEPT ALL SELECT * FROM c)");
long onlyC = Scalar("SELECT count(*) FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM p)");
// Same rows in the same order: the seq column of both, position by position.
long orderDiff = Scalar("SELECT count(*) FROM (SELECT seq, row_number() OVER () AS r FROM p) a JOIN (SELECT seq, row_number() OVER () AS r FROM c) b USING (r) WHERE a.seq IS DISTINCT FROM b.seq");
Console.WriteLine($"rows: parquet {pRows}, csv {cRows}; only in parquet {onlyP}, only in csv {onlyC}; seq order differences {orderDiff}");
var nulls = string.Join(", ", pqColumns.Select(c => $"count(*) - count(\"{c.Name}\")"));
using (var cmd = db.CreateCommand())
{
    cmd.CommandText = $"SELECT {nulls} FROM read_parquet('{parquet}')";
    using var r = cmd.ExecuteReader();
    r.Read();
    Console.WriteLine("parquet nulls: " + string.Join(", ", pqColumns.Select((c, i) => $"{c.Name}={r.GetValue(i)}")));
}
// Filters DuckDB may answer from the row-group statistics (min/max) must count what the CSV counts.
long median = Scalar($"SELECT quantile_disc(ts_ns, 0.5) FROM read_parquet('{parquet}')");
long pFiltered = Scalar($"SELECT count(*) FROM read_parquet('{parquet}') WHERE ts_ns >= {median} AND comm >= 'k' AND cpu <= 1");
long cFiltered = Scalar($"SELECT count(*) FROM read_csv('{csv}', all_varchar = true, header = true) WHERE CAST(ts_ns AS BIGINT) >= {median} AND comm >= 'k' AND CAST(cpu AS INTEGER) <= 1");
Console.WriteLine($"filtered by ts_ns/comm/cpu (statistics may prune): parquet {pFiltered}, csv {cFiltered}");
bool same = pRows == cRows && onlyP == 0 && onlyC == 0 && orderDiff == 0 && pFiltered == cFiltered;
Console.WriteLine(same ? "EQUAL" : "DIFFERENT");
return same ? 0 : 1;

List<(string Name, string Type)> Columns(string query)
{
    using var cmd = db.CreateCommand();
    cmd.CommandText = $"DESCRIBE {query}";
    using var r = cmd.ExecuteReader();
    var list = new List<(string, string)>();
    while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
    return list;
}

void Exec(string sql)
{
    using var cmd = db.CreateCommand();
    cmd.CommandText = sql;
    cmd.ExecuteNonQuery();
}

long Scalar(string sql)
{
    using var cmd = db.CreateCommand();
    cmd.CommandText = sql;
    return Convert.ToInt64(cmd.ExecuteScalar());
}
