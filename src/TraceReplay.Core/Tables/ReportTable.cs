namespace TraceReplay.Core.Tables;

public enum ColumnType { Int64, Int32, UInt64, Double, Bool, String }

/// <summary>A column of a report table: typed values with nulls. Append exactly one value (or null) per row.</summary>
public abstract class ReportColumn
{
    protected ReportColumn(string name, ColumnType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }
    public ColumnType Type { get; }
    public abstract int Count { get; }
    public abstract bool IsNull(int row);
    public abstract void AppendNull();
    internal abstract void Clear();
}

public sealed class Column<T> : ReportColumn
{
    T[] _values = new T[64];
    bool[] _nulls = new bool[64];
    int _count;
    bool _anyNull;

    internal Column(string name, ColumnType type) : base(name, type) { }

    public override int Count => _count;
    public bool HasNulls => _anyNull;
    public ReadOnlySpan<T> Values => _values.AsSpan(0, _count);
    public T this[int row] => _values[row];
    public override bool IsNull(int row) => _nulls[row];

    public void Append(T value)
    {
        if (_count == _values.Length) Grow();
        _values[_count] = value;
        _nulls[_count] = value is null;
        _anyNull |= value is null;
        _count++;
    }

    public void Append(T? value, bool isNull)
    {
        if (isNull) AppendNull(); else Append(value!);
    }

    public override void AppendNull()
    {
        if (_count == _values.Length) Grow();
        _values[_count] = default!;
        _nulls[_count] = true;
        _anyNull = true;
        _count++;
    }

    internal override void Clear()
    {
        Array.Clear(_values, 0, _count);
        _count = 0;
        _anyNull = false;
    }

    void Grow()
    {
        Array.Resize(ref _values, _values.Length * 2);
        Array.Resize(ref _nulls, _nulls.Length * 2);
    }
}

/// <summary>
/// A report table in columns (the contract users script against: names and column order are fixed by the
/// schema). Small reports are built whole; large ones are built and written a batch at a time (Clear after each).
/// </summary>
public sealed class ReportTable
{
    readonly List<ReportColumn> _columns = new();

    public ReportTable(string name) => Name = name;

    public string Name { get; }
    public IReadOnlyList<ReportColumn> Columns => _columns;
    public int RowCount => _columns.Count == 0 ? 0 : _columns[0].Count;

    public Column<long> Int64(string name) => Add<long>(name, ColumnType.Int64);
    public Column<int> Int32(string name) => Add<int>(name, ColumnType.Int32);
    public Column<ulong> UInt64(string name) => Add<ulong>(name, ColumnType.UInt64);
    public Column<double> Double(string name) => Add<double>(name, ColumnType.Double);
    public Column<bool> Bool(string name) => Add<bool>(name, ColumnType.Bool);
    public Column<string?> String(string name) => Add<string?>(name, ColumnType.String);

    public ReportColumn this[string name] => _columns.First(c => c.Name == name);

    /// <summary>Checks that every column got one value for the row just appended.</summary>
    public void EndRow()
    {
        int n = _columns[0].Count;
        foreach (var c in _columns)
            if (c.Count != n)
                throw new InvalidOperationException($"table {Name}: column {c.Name} has {c.Count} values, expected {n}");
    }

    /// <summary>Adds a column of a type known only at run time.</summary>
    public ReportColumn Add(string name, ColumnType type) => type switch
    {
        ColumnType.Int64 => Int64(name),
        ColumnType.Int32 => Int32(name),
        ColumnType.UInt64 => UInt64(name),
        ColumnType.Double => Double(name),
        ColumnType.Bool => Bool(name),
        _ => String(name),
    };

    /// <summary>Adds the other table's columns (names and types, no rows); returns this.</summary>
    public ReportTable CopySchemaFrom(ReportTable other)
    {
        foreach (var c in other.Columns)
            Add(c.Name, c.Type);
        return this;
    }

    public void Clear()
    {
        foreach (var c in _columns) c.Clear();
    }

    Column<T> Add<T>(string name, ColumnType type)
    {
        if (_columns.Any(c => c.Name == name))
            throw new ArgumentException($"table {Name}: duplicate column {name}");
        var col = new Column<T>(name, type);
        _columns.Add(col);
        return col;
    }
}

