namespace Rapidbyte.Pipeline.Benchmarks.Workload;

/// <summary>
/// The benchmark's tables. Values come from hashes of the row number (hashtextextended,
/// md5), not random(): the same row count gives the same bytes every time, yet the values
/// are spread like real data rather than counting up.
/// </summary>
internal static class BenchmarkTables
{
    /// <summary>
    /// 16 narrow columns (bigint, int, float8, 32-character varchar, date): the shape of the
    /// issue's "firenibble" table, and of the connector benchmark's.
    /// </summary>
    public static BenchmarkTable Firenibble { get; } = new(
        "firenibble",
        [
            "f0 bigint", "f1 bigint", "f2 bigint", "f3 int",
            "f4 float8", "f5 float8", "f6 float8", "f7 float8",
            "f8 varchar(32)", "f9 varchar(32)", "f10 date", "f11 date", "f12 date",
            "f13 varchar(32)", "f14 varchar(32)", "f15 varchar(32)",
        ],
        "f0",
        rows => $"""
            SELECT i,
                   hashtextextended(i::text, 1), hashtextextended(i::text, 2), hashtext(i::text),
                   -- a 64-bit hash scaled into [-1, 1): floats with a full 53-bit mantissa
                   hashtextextended(i::text, 4) / 9223372036854775808.0, hashtextextended(i::text, 5) / 9223372036854775808.0,
                   hashtextextended(i::text, 6) / 9223372036854775808.0 * 1e6, hashtextextended(i::text, 7) / 9223372036854775808.0 * 1e-6,
                   md5(i::text), md5((i + 1)::text),
                   date '1970-01-01' + (hashtextextended(i::text, 10) % 20000)::int,
                   date '2000-01-01' + (hashtextextended(i::text, 11) % 5000)::int,
                   date '2020-02-29' + (hashtextextended(i::text, 12) % 300)::int,
                   md5((i + 2)::text), md5((i + 3)::text), md5((i + 4)::text)
            FROM generate_series(1, {rows}) AS i
            """);

    /// <summary>
    /// 10 wider, costlier columns: text of several lengths (one NULL in ten), numeric with and
    /// without a type modifier, timestamptz and jsonb, which the source connector reads as
    /// text, decimal128 and timestamps rather than plain fixed-width values.
    /// </summary>
    public static BenchmarkTable Mixed { get; } = new(
        "mixed",
        [
            "id bigint", "customer text", "description text", "amount numeric(14,2)", "ratio numeric",
            "created_at timestamptz", "updated_at timestamptz", "attributes jsonb", "tags jsonb", "note text",
        ],
        "id",
        rows => $"""
            SELECT i,
                   'customer-' || (abs(hashtext(i::text)) % 100000),
                   repeat(md5(i::text), 1 + (i % 4)),
                   (hashtextextended(i::text, 3) % 100000000000) / 100.0,
                   (hashtextextended(i::text, 4) % 1000000)::numeric / 7,
                   timestamptz '2020-01-01 00:00:00+00' + (hashtextextended(i::text, 5) % 100000000) * interval '1 second',
                   timestamptz '2024-01-01 00:00:00+00' + (hashtextextended(i::text, 6) % 10000000000) * interval '1 microsecond',
                   jsonb_build_object('sku', md5((i * 3)::text), 'qty', i % 50, 'price', (i % 10000) / 100.0,
                                      'active', i % 2 = 0, 'dims', jsonb_build_array(i % 7, i % 11, i % 13)),
                   jsonb_build_array('tag' || (i % 10), 'tag' || (i % 7), i % 3),
                   CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || md5((i * 5)::text) END
            FROM generate_series(1, {rows}) AS i
            """);
}
