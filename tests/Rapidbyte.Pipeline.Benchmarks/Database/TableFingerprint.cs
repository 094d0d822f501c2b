namespace Rapidbyte.Pipeline.Benchmarks.Database;

/// <summary>
/// A table's row count and the sum of a 64-bit hash of each row's text form. Order does not
/// matter (tables have none), a missing, extra, duplicated or altered row changes it, and
/// it costs one scan, which PostgreSQL may run in parallel.
/// </summary>
/// <param name="HashSum">The sum as text: a numeric wider than any .NET integer.</param>
internal sealed record TableFingerprint(long Rows, string HashSum)
{
    /// <summary>The query that computes it; the row's text form covers every column in order.</summary>
    public static string Query(string table) =>
        $"SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0)::text FROM {table} t";

    public override string ToString() => $"{Rows} rows, checksum {HashSum}";
}
