namespace Rapidbyte.Pipeline.Benchmarks.Workload;

/// <summary>
/// A table the contenders copy: its columns, and the query that generates its rows. The
/// rows are a pure function of the row number, so the same row count gives the same data on
/// every run and every machine.
/// </summary>
/// <param name="Name">The table's name, in the source and in the destination.</param>
/// <param name="Columns">Column definitions, as in CREATE TABLE.</param>
/// <param name="PrimaryKey">The source table's primary key column.</param>
/// <param name="SelectRows">A SELECT of that many rows, in column order.</param>
internal sealed record BenchmarkTable(string Name, IReadOnlyList<string> Columns, string PrimaryKey, Func<int, string> SelectRows)
{
    /// <summary>The source table, with its primary key, filled with <paramref name="rows"/> rows.</summary>
    public string CreateSourceSql(int rows) =>
        $"CREATE TABLE {Name} ({string.Join(", ", Columns)}, PRIMARY KEY ({PrimaryKey}));\nINSERT INTO {Name} {SelectRows(rows)}";

    /// <summary>
    /// The empty destination table every contender loads into: the same columns and no index
    /// (the load measures moving rows, not building a primary key).
    /// </summary>
    public string CreateDestinationSql() => $"CREATE TABLE {Name} ({string.Join(", ", Columns)})";

    /// <summary>This table's shape under another name (a view over it, a smaller copy).</summary>
    public BenchmarkTable Named(string name) => this with { Name = name };
}
