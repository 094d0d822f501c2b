using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>Every value arrives identical: PostgreSQL → Arrow → PostgreSQL, compared by the server itself.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RoundTripTests(PostgresPipeline pipeline)
{
    private const string AllTypesTable = """
        CREATE TYPE src.mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TABLE src.all_types (
            id int8 PRIMARY KEY,
            c_bool bool, c_int2 int2, c_int4 int4, c_int8 int8, c_float4 float4, c_float8 float8,
            c_numeric numeric(38, 10), c_money_like numeric(12, 2), c_numeric_free numeric, c_numeric_wide numeric(60, 20),
            c_text text, c_varchar varchar(32), c_char char(8), c_name name,
            c_bytea bytea, c_date date, c_time time, c_timestamp timestamp, c_timestamptz timestamptz, c_interval interval,
            c_uuid uuid, c_json json, c_jsonb jsonb, c_inet inet, c_cidr cidr, c_enum src.mood,
            c_int_array int4[], c_text_array text[], c_float_array float8[], c_numeric_array numeric(10, 2)[]
        );
        """;

    [Fact]
    public async Task Every_common_type_round_trips_exactly_with_nulls_and_extremes()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync(AllTypesTable);
        await db.ExecuteAsync("""
            INSERT INTO src.all_types VALUES
            (1, true, -32768, -2147483648, -9223372036854775808, '-3.4028235e38', 'NaN',
             '-9999999999999999999999999999.9999999999', -9999999999.99, 'NaN', '-1234567890123456789012345678901234567890.12345678901234567890',
             '', '', '', '', '\x', '-infinity', '00:00:00', '-infinity', '-infinity', '-178000000 years',
             '00000000-0000-0000-0000-000000000000', '{}', '{}', '0.0.0.0', '0.0.0.0/0', 'sad',
             '{}', '{}', '{}', '{}'),
            (2, false, 32767, 2147483647, 9223372036854775807, 'Infinity', '-Infinity',
             '9999999999999999999999999999.9999999999', 9999999999.99, '123456789012345678901234567890.123456789012345678901234567890', '0.00000000000000000001',
             'héllo, 世界 🚀 tab	newline
            quote" backslash\', 'abcdefghijklmnopqrstuvwxyzé12345', 'char', 'a name',
             '\x00ff10', 'infinity', '24:00:00', 'infinity', 'infinity', '178000000 years 11 mons 30 days 23:59:59.999999',
             'ffffffff-ffff-ffff-ffff-ffffffffffff', '{"a": [1, 2.5, "x", null, true]}', '{"nested": {"k": "ü"}}', '2001:db8::ff00:42:8329', '2001:db8::/32', 'happy',
             '{1,NULL,-3}', '{"a,b","",NULL,"\""}', '{NaN,Infinity,-0,1.5e300}', '{1.25,NULL}'),
            (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (4, true, 0, 0, 0, '-0', '-0', 0, 0, 0, 0, 'x', 'y', 'z', 'n', '\x00', '2000-01-01', '12:34:56.789012', '1970-01-01 00:00:00',
             '2024-02-29 23:59:59.999999+05:30', '-1 mons -2 days -00:00:00.000001',
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[]', 'null', '192.168.1.1/24', '10.0.0.0/8', 'ok',
             '{{1,2},{3,4}}', '{"multi word"}', '{0.1}', '{0}'),
            (5, false, -1, -1, -1, '1.17549435e-38', '4.9e-324', '0.0000000001', 0.01, '1e-1000', '1e39',
             repeat('x', 10 * 1024 * 1024), 'a', 'b', 'c', decode(repeat('ab', 10 * 1024 * 1024), 'hex'),
             '4713-01-01 BC', '23:59:59.999999', '4713-01-01 00:00:00 BC', '294246-12-31 23:59:59.999999+00', '1 day',
             '123e4567-e89b-12d3-a456-426614174000', '"string"', '12345678901234567890', '::1', '::/0', 'happy',
             '{2147483647}', '{"\\\\"}', '{-Infinity}', '{-99999999.99}');
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("all_types"), db.DestinationConfig(), new StreamRequest("all_types", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(5, result.Written!.Rows);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.all_types", "dst.all_types"));
        Assert.Equal(StripNotNull(await db.ColumnTypesAsync("src", "all_types")), StripNotNull(await db.ColumnTypesAsync("dst", "all_types")));
    }

    [Fact]
    public async Task Identifiers_with_mixed_case_reserved_words_spaces_and_unicode_round_trip()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src."Mixed Case Tablé" ("Order" int PRIMARY KEY, "select" text, "with space" text, "ünïcödé" int, "quote""d" text, "CamelCase" bool);
            INSERT INTO src."Mixed Case Tablé" VALUES (1, 'a', 'b', 2, 'c', true), (2, NULL, 'e', NULL, NULL, false);
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("Mixed Case Tablé"),
            db.DestinationConfig(), new StreamRequest("Mixed Case Tablé", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.\"Mixed Case Tablé\"", "dst.\"Mixed Case Tablé\""));
        Assert.Equal(StripNotNull(await db.ColumnTypesAsync("src", "Mixed Case Tablé")), StripNotNull(await db.ColumnTypesAsync("dst", "Mixed Case Tablé")));
    }

    [Fact]
    public async Task An_empty_table_arrives_as_an_empty_table_with_the_same_columns()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.empty (id int8, name varchar(10), at timestamptz)");

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("empty"), db.DestinationConfig(), new StreamRequest("empty", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.empty"));
        Assert.Equal(await db.ColumnTypesAsync("src", "empty"), await db.ColumnTypesAsync("dst", "empty"));
    }

    [Fact]
    public async Task A_table_of_only_nulls_round_trips()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.nulls (a int8, b text, c numeric(10, 2), d timestamptz, e bytea, f uuid);
            INSERT INTO src.nulls SELECT NULL, NULL, NULL, NULL, NULL, NULL FROM generate_series(1, 1000);
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("nulls"), db.DestinationConfig(), new StreamRequest("nulls", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(1000L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.nulls WHERE a IS NULL AND b IS NULL AND c IS NULL AND d IS NULL AND e IS NULL AND f IS NULL"));
        Assert.Equal(await db.ColumnTypesAsync("src", "nulls"), await db.ColumnTypesAsync("dst", "nulls"));
    }

    [Fact]
    public async Task A_million_rows_arrive_with_the_same_count_and_checksum()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.big (id int8 PRIMARY KEY, a int4, b float8, c text, d date, e timestamptz, f numeric(12, 2), g bool);
            INSERT INTO src.big
            SELECT i, (i * 7) % 100000, i / 3.0, md5(i::text), date '2000-01-01' + (i % 10000), timestamptz '2020-01-01' + i * interval '1 second',
                   (i % 100000) / 100.0, i % 2 = 0
            FROM generate_series(1, 1000000) AS i;
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("big"), db.DestinationConfig(), new StreamRequest("big", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(1_000_000, result.Written!.Rows);
        const string checksum = "SELECT count(*)::text || ':' || sum(hashtextextended(t::text, 0))::text FROM {0} t";
        Assert.Equal(await db.ScalarAsync<string>(string.Format(checksum, "src.big")), await db.ScalarAsync<string>(string.Format(checksum, "dst.big")));
    }

    [Fact]
    public async Task A_first_batch_that_comes_late_goes_into_the_table_as_it_is_then()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.items (id int8, name text);
            INSERT INTO src.items SELECT i, 'item ' || i FROM generate_series(1, 100) i;
            CREATE VIEW src.late AS SELECT i.* FROM src.items i CROSS JOIN pg_sleep(5);
            CREATE TABLE dst.late (id int8, name text, gone int4);
            """);

        var run = pipeline.RunAsync(db.SourceConfig(), new StreamRequest("late"), db.DestinationConfig(), new StreamRequest("late", WriteMode: WriteMode.Append));
        // The destination looks its table up at once (its session then idles after the catalog query) while the
        // source's query sleeps; the table is dropped before the first batch comes.
        const string lookedUp = """
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle' AND query LIKE 'SELECT c.relname::text, c.relkind::text,%'
            """;
        while (await db.ScalarAsync<long>(lookedUp) == 0)
        {
            Assert.False(run.IsCompleted, "the run ended before the destination looked its table up");
            await Task.Delay(20);
        }
        await db.ExecuteAsync("DROP TABLE dst.late");
        var result = await run;

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(100L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.late"));
        Assert.Equal(["id bigint", "name text"], await db.ColumnTypesAsync("dst", "late"));
    }

    private static List<string> StripNotNull(List<string> columns) => columns.Select(c => c.Replace(" not null", "")).ToList();
}
