using System.Text.Json;
using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// PostgreSQL → PostgreSQL in <c>postgresql-binary</c> (a column each) and <c>postgresql-binary-rows</c> (whole rows,
/// where no value names a type by an OID of its database): values the Arrow mapping cannot hold (NaN in a constrained
/// numeric, timestamps past year 294246) and types it only carries as text arrive bit for bit, into another database
/// (so enum and array element OIDs differ), compared by the servers' own text forms.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NativeLaneTests(PostgresPipeline pipeline)
{
    private const string Native = "postgresql-binary";
    private const string Rows = "postgresql-binary-rows";

    public static TheoryData<string> NativeLanes => new() { Native, Rows };

    private const string EveryTypeTable = """
        CREATE TYPE src.mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TYPE src.address AS (street text, number int4, at point);
        CREATE DOMAIN src.amount AS numeric(12, 2) CHECK (VALUE >= 0);
        CREATE TYPE src.floatrange AS RANGE (subtype = float8);
        CREATE DOMAIN src.positive AS int4 NOT NULL DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
        CREATE DOMAIN src.small AS src.positive CONSTRAINT small_check CHECK (VALUE < 1000);
        CREATE DOMAIN src.label AS text COLLATE "C" CHECK (VALUE <> '');
        ALTER DOMAIN src.label ADD CONSTRAINT short CHECK (length(VALUE) < 10) NOT VALID;
        CREATE TABLE src.every_type (
            id int8 PRIMARY KEY,
            n_constrained numeric(10, 2), n_free numeric,
            ts timestamp, tstz timestamptz, d date,
            money money, bits bit(5), varbits varbit(16),
            pt point, ln line, seg lseg, bx box, pth path, poly polygon, circ circle,
            tsv tsvector, tsq tsquery, doc xml, mac macaddr, mac8 macaddr8,
            i4r int4range, tstzr tstzrange, i4mr int4multirange,
            amount src.amount, addr src.address, addrs src.address[],
            feeling src.mood, feelings src.mood[], grid int4[], words text[], ranges int4range[],
            ip inet, net cidr, tz timetz, j jsonb, c "char", u uuid, iv interval, fr src.floatrange,
            small src.small, label src.label, smalls src.small[]
        );
        """;

    private const string EveryTypeRows = """
        INSERT INTO src.every_type VALUES
        (1, 'NaN', 'NaN', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '4713-01-01 BC',
         '-92233720368547758.08', B'10101', B'',
         '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(0,0),1.5>',
         'a fat cat sat:1A on:2B', 'fat & (cat | !rat)', '<a x="1">text &amp; more</a>', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
         '[1,10)', '[2024-01-01,infinity)', '{[1,3),[5,8)}',
         0, ROW('Main "St"', 1, '(1,2)'), ARRAY[ROW('a', 1, '(0,0)'), ROW(NULL, NULL, NULL)]::src.address[],
         'sad', '{sad,happy}', '{{1,2},{3,NULL}}', '{"a,b","",NULL}', '{"[1,2)",empty}',
         '192.168.1.1/24', '10.0.0.0/8', '12:34:56.789+05:30', '{"k": [1, 2.5, null]}', 'x', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '-178000000 years', '[1.5,2.5)', 5, 'a', '{5,6}'),
        (2, 99999999.99, 'Infinity', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '5874897-12-31',
         '92233720368547758.07', B'00000', B'1111000011110000',
         '(NaN,Infinity)', '{0,1,-5}', '[(-1,-1),(1e300,1e-300)]', '(1,1),(1,1)', '((0,0))', '((0,0))', '<(1,1),0>',
         '', '!a', '<?xml version="1.0"?><r/>', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00',
         'empty', '(,)', '{}',
         99999.99, ROW(NULL, NULL, NULL), '{}',
         'happy', '{}', '{}', '{}', '{}',
         '::1', '::/0', '00:00:00-15:59', 'null', '', '00000000-0000-0000-0000-000000000000', '178000000 years 11 mons', 'empty', 999, 'ü', '{{999},{1}}'),
        (3, -99999999.99, '-Infinity', 'infinity', '-infinity', 'infinity',
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL, NULL);
        """;

    [Theory]
    [MemberData(nameof(NativeLanes))]
    public async Task Every_type_postgresql_can_copy_in_binary_arrives_exactly_in_another_database(string lane)
    {
        var source = await pipeline.CreateDatabaseAsync();
        var destination = await pipeline.CreateDatabaseAsync();
        await source.ExecuteAsync(EveryTypeTable + EveryTypeRows);
        // Only one domain exists in the destination database (the connector creates the enum, the composite, the
        // range and the other domains from their definitions), with another OID than the source's; types created
        // here get others too.
        await destination.ExecuteAsync("""
            CREATE TYPE dst.unused AS ENUM ('x');
            CREATE SCHEMA IF NOT EXISTS src;
            CREATE DOMAIN src.amount AS numeric(12, 2) CHECK (VALUE >= 0);
            """);

        var logged = pipeline.Logs.Lines.Count;
        var result = await pipeline.RunAsync(source.SourceConfig(), new StreamRequest("every_type", NativeEncoding: lane),
            destination.DestinationConfig(), new StreamRequest("every_type", WriteMode: WriteMode.Append, NativeEncoding: lane));

        Assert.True(result.Succeeded, result.Error?.Message);
        if (lane == Rows)
        {
            // The composites and the arrays of user-defined types name types by OID: a column each, and the log says why.
            var lanes = Assert.Single(pipeline.Logs.Lines.Skip(logged), l => l.Contains("stream src.every_type: all 43 columns travel in postgresql-binary ("));
            Assert.Contains("(a column each, not whole rows in postgresql-binary-rows, because of: \"addr\" src.address, \"addrs\" src.address[], \"feelings\" src.mood[], \"smalls\" src.small[])", lanes);
        }
        Assert.Equal(3, result.Written!.Rows);
        Assert.Equal(await RowsAsync(source, "src.every_type"), await RowsAsync(destination, "dst.every_type"));
        // The same types: the domain this database has, the enum, composite, range and the other domains (one over
        // another) re-created in the destination's schema, with the source's collation, default, NOT NULL and checks,
        // a NOT VALID one still NOT VALID.
        var expected = (await source.ColumnTypesAsync("src", "every_type"))
            .Select(c => c.Replace(" not null", "").Replace("src.mood", "dst.mood").Replace("src.address", "dst.address")
                .Replace("src.floatrange", "dst.floatrange").Replace("src.small", "dst.small").Replace("src.label", "dst.label"))
            .ToList();
        Assert.Equal(expected, (await destination.ColumnTypesAsync("dst", "every_type")).Select(c => c.Replace(" not null", "")).ToList());
        Assert.Equal(
            (await DomainsAsync(source, "src")).Select(d => d.Replace("src.", "dst.")).ToList(),
            await DomainsAsync(destination, "dst"));
        // The enum array and the composites (whose binary forms name the source's type OIDs) read back here.
        Assert.Equal("{sad,happy}", await destination.ScalarAsync<string>("SELECT feelings::text FROM dst.every_type WHERE id = 1"));
        Assert.Equal("(a,1,\"(0,0)\")", await destination.ScalarAsync<string>("SELECT addrs[1]::text FROM dst.every_type WHERE id = 1"));
    }

    [Fact]
    public async Task Through_the_arrow_mapping_the_same_values_fail_naming_column_and_row()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.specials (id int8 PRIMARY KEY, n numeric(10, 2), ts timestamp);
            INSERT INTO src.specials VALUES (1, 1.5, '2024-01-01'), (2, 'NaN', '2024-01-01');
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("specials"),
            db.DestinationConfig(), new StreamRequest("specials", WriteMode: WriteMode.Append));

        Assert.False(result.Succeeded);
        Assert.Contains("column \"n\" (numeric(10,2)), row 2: NaN cannot be represented as decimal128(10,2)", result.Error!.Message);
        Assert.False(await db.TableExistsAsync("dst.specials"), "nothing written");

        // The native lane takes it.
        var native = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("specials", NativeEncoding: Native),
            db.DestinationConfig(), new StreamRequest("specials", WriteMode: WriteMode.Append, NativeEncoding: Native));
        Assert.True(native.Succeeded, native.Error?.Message);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.specials", "dst.specials"));
    }

    [Theory]
    [InlineData(Native, null, "id")] // a column in postgresql-binary, no encoding agreed
    [InlineData(Rows, Native, "rapidbyte.row")] // whole rows, only a column each agreed
    public async Task A_destination_refuses_native_columns_it_did_not_agree_to(string sent, string? agreed, string column)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.plain (id int8); INSERT INTO src.plain VALUES (1);");

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("plain", NativeEncoding: sent),
            db.DestinationConfig(), new StreamRequest("plain", WriteMode: WriteMode.Append, NativeEncoding: agreed));

        Assert.False(result.Succeeded);
        Assert.Equal(ErrorCategory.Schema, result.Error!.Category);
        Assert.Contains($"column \"{column}\" travels in native encoding \"{sent}\", which was not agreed", result.Error.Message);
        Assert.False(await db.TableExistsAsync("dst.plain"));
    }

    [Fact]
    public async Task The_source_config_can_keep_every_column_on_the_arrow_mapping()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.specials (id int8 PRIMARY KEY, n numeric(10, 2));
            INSERT INTO src.specials VALUES (1, 'NaN');
            """);
        var config = pipeline.Config(db.Name, "src");
        config["native_lane"] = false;

        var result = await pipeline.RunAsync(config, new StreamRequest("specials", NativeEncoding: Native),
            db.DestinationConfig(), new StreamRequest("specials", WriteMode: WriteMode.Append, NativeEncoding: Native));

        Assert.False(result.Succeeded);
        Assert.Contains("NaN cannot be represented as decimal128(10,2)", result.Error!.Message);
    }

    [Theory]
    [MemberData(nameof(NativeLanes))]
    public async Task Dropped_generated_partitioned_and_inherited_tables_round_trip(string lane)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.reshaped (id int8 PRIMARY KEY, gone text, price numeric(10, 2), qty int4,
                                       total numeric GENERATED ALWAYS AS (price * qty) STORED, note text);
            INSERT INTO src.reshaped (id, gone, price, qty, note) SELECT i, 'x', i / 4.0, i % 7, 'n' || i FROM generate_series(1, 1000) i;
            ALTER TABLE src.reshaped DROP COLUMN gone;
            CREATE TABLE src.parted (id int8, at date, v text) PARTITION BY RANGE (at);
            CREATE TABLE src.parted_2023 PARTITION OF src.parted FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
            CREATE TABLE src.parted_2024 PARTITION OF src.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            INSERT INTO src.parted SELECT i, date '2023-06-01' + i, md5(i::text) FROM generate_series(1, 400) i;
            CREATE TABLE src.animals (id int8, name text);
            CREATE TABLE src.dogs (breed text) INHERITS (src.animals);
            INSERT INTO src.animals SELECT i, 'a' || i FROM generate_series(1, 30) i;
            INSERT INTO src.dogs SELECT i, 'd' || i, 'b' || i FROM generate_series(31, 50) i;
            """);

        // A table with inheritance children is read as a query reads it: its children's rows too.
        foreach (var (table, columns) in new[] { ("reshaped", 5), ("parted", 3), ("animals", 2) })
        {
            var logged = pipeline.Logs.Lines.Count;
            var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest(table, NativeEncoding: lane),
                db.DestinationConfig(), new StreamRequest(table, WriteMode: WriteMode.Append, NativeEncoding: lane));
            Assert.True(result.Succeeded, result.Error?.Message);
            Assert.Contains(pipeline.Logs.Lines.Skip(logged), l => l.Contains($"stream src.{table}: all {columns} columns travel in {lane} ("));
            Assert.Equal((0L, 0L), await db.DifferenceAsync($"src.{table}", $"dst.{table}"));
        }
        Assert.Equal(
            ["id bigint", "price numeric(10,2)", "qty integer", "total numeric", "note text"],
            (await db.ColumnTypesAsync("dst", "reshaped")).Select(c => c.Replace(" not null", "")).ToList());
        Assert.Equal(400L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.parted"));
        Assert.Equal(50L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.animals"));
    }

    [Theory]
    [MemberData(nameof(NativeLanes))]
    public async Task An_existing_wider_column_takes_native_values_by_a_cast_and_a_narrower_one_is_refused(string lane)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.widen (id int4, price numeric(10, 2), name varchar(20));
            INSERT INTO src.widen SELECT i, i / 3.0, 'n' || i FROM generate_series(1, 100) i;
            CREATE TABLE dst.widen (id int8, price numeric(14, 4), name text);
            CREATE TABLE dst.narrow (id int2, price numeric(10, 2), name varchar(20));
            """);

        var widened = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("widen", NativeEncoding: lane),
            db.DestinationConfig(), new StreamRequest("widen", WriteMode: WriteMode.Append, NativeEncoding: lane));
        Assert.True(widened.Succeeded, widened.Error?.Message);
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT id::int8, price::numeric(14,4), name::text FROM src.widen EXCEPT ALL SELECT * FROM dst.widen) d"));
        Assert.Equal(100L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.widen"));

        var narrowed = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("widen", NativeEncoding: lane),
            db.DestinationConfig(), new StreamRequest("narrow", WriteMode: WriteMode.Append, NativeEncoding: lane));
        Assert.False(narrowed.Succeeded);
        Assert.Equal(ErrorCategory.Schema, narrowed.Error!.Category);
        Assert.Contains("the table's column is smallint and the stream's is integer in PostgreSQL's binary encoding", narrowed.Error.Message);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.narrow"));
    }

    [Theory]
    [InlineData("CREATE TYPE dst.mood AS ENUM ('sad', 'ok', 'happy')", "CREATE TYPE")]
    [InlineData("CREATE DOMAIN dst.positive AS int4 CHECK (VALUE > 0)", "CREATE DOMAIN")]
    public async Task A_type_another_session_creates_while_the_destination_creates_it_too_is_taken(string concurrent, string statement)
    {
        var source = await pipeline.CreateDatabaseAsync();
        var destination = await pipeline.CreateDatabaseAsync();
        await source.ExecuteAsync("""
            CREATE TYPE src.mood AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN src.positive AS int4 CHECK (VALUE > 0);
            CREATE TABLE src.shared (id int8, m src.mood, p src.positive);
            INSERT INTO src.shared SELECT i, 'ok', i FROM generate_series(1, 100) i;
            """);
        // Another writer (a second stream of the pipeline, say) has created the type and not yet committed: the
        // destination does not see it, and its own CREATE waits for that transaction, then fails.
        await using var other = await destination.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var create = new Npgsql.NpgsqlCommand(concurrent, other, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        var run = pipeline.RunAsync(source.SourceConfig(), new StreamRequest("shared", NativeEncoding: Native),
            destination.DestinationConfig(), new StreamRequest("shared", WriteMode: WriteMode.Append, NativeEncoding: Native));
        var waiting = $"""
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '{statement} %'
            """;
        while (await destination.ScalarAsync<long>(waiting) == 0)
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"the run ended before its {statement} waited for the other session: {(await run).Error?.Message}");
            }
            await Task.Delay(20);
        }
        await transaction.CommitAsync();
        var result = await run;

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(["id bigint", "m dst.mood", "p dst.positive"], await destination.ColumnTypesAsync("dst", "shared"));
        Assert.Equal(await RowsAsync(source, "src.shared"), await RowsAsync(destination, "dst.shared"));
    }

    [Fact]
    public async Task A_domain_whose_check_calls_a_function_the_destination_lacks_fails_naming_both_and_writes_nothing()
    {
        var source = await pipeline.CreateDatabaseAsync();
        var destination = await pipeline.CreateDatabaseAsync();
        await source.ExecuteAsync("""
            CREATE FUNCTION src.is_even(int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 % 2 = 0';
            CREATE DOMAIN src.even AS int4 CHECK (src.is_even(VALUE));
            CREATE TABLE src.evens (id int8, e src.even);
            INSERT INTO src.evens SELECT i, 2 * i FROM generate_series(1, 10) i;
            """);

        var result = await pipeline.RunAsync(source.SourceConfig(), new StreamRequest("evens", NativeEncoding: Native),
            destination.DestinationConfig(), new StreamRequest("evens", WriteMode: WriteMode.Append, NativeEncoding: Native));

        Assert.False(result.Succeeded);
        Assert.Equal(ErrorCategory.Schema, result.Error!.Category);
        Assert.Contains("column \"e\" of \"dst\".\"evens\": domain \"dst\".\"even\" could not be created from the source's definition", result.Error.Message);
        Assert.Contains("function src.is_even(integer) does not exist", result.Error.Message);
        Assert.False(await destination.TableExistsAsync("dst.evens"), "no table without its column's type");
        Assert.Equal(0L, await destination.ScalarAsync<long>("SELECT count(*) FROM pg_type WHERE typname = 'even'"));

        // With the function there, the same run creates the domain and copies the rows.
        await destination.ExecuteAsync("""
            CREATE SCHEMA IF NOT EXISTS src;
            CREATE FUNCTION src.is_even(int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 % 2 = 0';
            """);
        var again = await pipeline.RunAsync(source.SourceConfig(), new StreamRequest("evens", NativeEncoding: Native),
            destination.DestinationConfig(), new StreamRequest("evens", WriteMode: WriteMode.Append, NativeEncoding: Native));
        Assert.True(again.Succeeded, again.Error?.Message);
        Assert.Equal(await RowsAsync(source, "src.evens"), await RowsAsync(destination, "dst.evens"));
        Assert.Equal(["id bigint", "e dst.even"], await destination.ColumnTypesAsync("dst", "evens"));
    }

    private const string BuiltInTypes = """
        CREATE TYPE src.mood AS ENUM ('sad', 'ok', 'happy');
        CREATE DOMAIN src.amount AS numeric(12, 2) CHECK (VALUE >= 0);
        CREATE TABLE src.built_in (
            id int8 PRIMARY KEY, n_constrained numeric(10, 2), n_free numeric, f4 real, f8 float8,
            ts timestamp, tstz timestamptz, d date, tm time, tz timetz, iv interval,
            money money, bits bit(5), varbits varbit(16), pt point, bx box, poly polygon, circ circle,
            tsv tsvector, tsq tsquery, doc xml, mac macaddr, mac8 macaddr8, ip inet, net cidr,
            i4r int4range, tstzr tstzrange, i4mr int4multirange, amount src.amount, feeling src.mood,
            grid int4[], words text[], ranges int4range[], stamps timestamptz[],
            j jsonb, js json, c "char", u uuid, b bool, by bytea, t text, v varchar(20), ch char(3)
        );
        INSERT INTO src.built_in
        SELECT i, CASE i % 3 WHEN 0 THEN 'NaN' ELSE i / 7.0 END, CASE i % 4 WHEN 0 THEN 'Infinity' WHEN 1 THEN '-Infinity' ELSE i * 1e-20 END,
               CASE WHEN i % 5 = 0 THEN 'NaN'::real ELSE i / 3.0 END, -i / 9.0,
               CASE i % 3 WHEN 0 THEN '294276-12-31 23:59:59.999999'::timestamp WHEN 1 THEN '4713-01-01 00:00:00 BC' ELSE 'infinity' END,
               timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', date '2024-01-01' + i, time '12:34:56.789' , '00:00:00-15:59', i * interval '1 day 1 second',
               i / 100.0, B'10101', B'1111000011110000', point(i, -i), box(point(0, 0), point(i, i)), '((0,0),(1,1),(1,0))', circle(point(i, i), 1.5),
               'a fat cat sat:1A', 'fat & (cat | !rat)', '<a x="1">t</a>', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', '192.168.1.1/24', '10.0.0.0/8',
               int4range(i, i + 10), tstzrange('2024-01-01', NULL), '{[1,3),[5,8)}', i / 100.0, (ARRAY['sad', 'ok', 'happy'])[1 + i % 3]::src.mood,
               ARRAY[[i, NULL], [3, 4]], ARRAY['a,b', '', NULL, 'ü' || i], ARRAY[int4range(1, 2), 'empty'], ARRAY[timestamptz 'infinity', now()],
               jsonb_build_object('k', i, 'n', NULL), '{"a" : 1 }', 'x', md5(i::text)::uuid, i % 2 = 0, decode(md5(i::text), 'hex'), repeat('t', i % 50), 'v' || i, 'ab'
          FROM generate_series(1, 3000) i;
        INSERT INTO src.built_in (id) VALUES (0);
        """;

    [Fact]
    public async Task Whole_rows_carry_every_built_in_type_exactly_in_each_write_mode()
    {
        var source = await pipeline.CreateDatabaseAsync();
        var destination = await pipeline.CreateDatabaseAsync();
        await source.ExecuteAsync(BuiltInTypes);
        await destination.ExecuteAsync("CREATE DOMAIN src.amount AS numeric(12, 2) CHECK (VALUE >= 0);");
        Task<Engine.Streams.StreamRunResult> RunAsync(WriteMode mode, int parallelism = 1) => pipeline.RunAsync(
            source.SourceConfig(), new StreamRequest("built_in", NativeEncoding: Rows, Limits: new BatchLimits(MaxBatchRows: 700), Parallelism: parallelism),
            destination.DestinationConfig(), new StreamRequest("built_in", WriteMode: mode, PrimaryKey: ["id"], NativeEncoding: Rows, Parallelism: parallelism));

        var logged = pipeline.Logs.Lines.Count;
        var appended = await RunAsync(WriteMode.Append);

        Assert.True(appended.Succeeded, appended.Error?.Message);
        Assert.Contains(pipeline.Logs.Lines.Skip(logged), l => l.Contains("stream src.built_in: all 43 columns travel in postgresql-binary-rows (whole rows"));
        Assert.Equal(3001, appended.Written!.Rows);
        Assert.Equal(await RowsAsync(source, "src.built_in"), await RowsAsync(destination, "dst.built_in"));
        var expected = (await source.ColumnTypesAsync("src", "built_in"))
            .Select(c => c.Replace(" not null", "").Replace("src.mood", "dst.mood")).ToList();
        Assert.Equal(expected, (await destination.ColumnTypesAsync("dst", "built_in")).Select(c => c.Replace(" not null", "")).ToList());

        // Upsert merges changed rows through its staging table; replace writes a new table with two connections.
        await source.ExecuteAsync("UPDATE src.built_in SET t = 'changed', n_free = 'NaN' WHERE id % 10 = 0; INSERT INTO src.built_in (id, t) VALUES (5000, 'new')");
        await destination.ExecuteAsync("ALTER TABLE dst.built_in ADD PRIMARY KEY (id)");
        var upserted = await RunAsync(WriteMode.Upsert);
        Assert.True(upserted.Succeeded, upserted.Error?.Message);
        Assert.Equal(await RowsAsync(source, "src.built_in"), await RowsAsync(destination, "dst.built_in"));

        await source.ExecuteAsync("DELETE FROM src.built_in WHERE id % 3 = 0");
        var replaced = await RunAsync(WriteMode.Replace, parallelism: 2);
        Assert.True(replaced.Succeeded, replaced.Error?.Message);
        Assert.Equal(await RowsAsync(source, "src.built_in"), await RowsAsync(destination, "dst.built_in"));
    }

    [Fact]
    public async Task A_whole_row_holding_two_rows_fails_the_load_and_nothing_of_it_is_kept()
    {
        var db = await pipeline.CreateDatabaseAsync();
        // Rows of one bigint as binary COPY has them (field count, length, value); a source that cut them wrongly
        // sends the first two as one value.
        static string Row(long id) => "0001" + "00000008" + id.ToString("x16");
        const string columns = """[{"name": "id", "nullable": true, "metadata": [["rapidbyte.native_type", "bigint"], ["rapidbyte.native_encoding", "postgresql-binary"]]}]""";

        var result = await pipeline.RunAsync(pipeline.TestConnector, new { scenario = "whole_rows", columns, rows = new[] { Row(1) + Row(2), Row(3) } },
            new StreamRequest("cut"), db.DestinationConfig(), new StreamRequest("cut", WriteMode: WriteMode.Append, NativeEncoding: Rows));

        Assert.False(result.Succeeded);
        Assert.Equal(ErrorCategory.Data, result.Error!.Category);
        Assert.Contains("PostgreSQL took 3 rows from a COPY of 2 rows; nothing of it is kept", result.Error.Message);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.cut"));
    }

    [Fact]
    public async Task A_domain_definition_in_the_stream_cannot_add_a_statement_of_its_own()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE dst.victim (id int8); INSERT INTO dst.victim VALUES (1);");
        // A source (a connector nobody here wrote) describes its column's domain with a check that ends one statement
        // and starts another; the destination runs a domain's SQL text only one statement at a time.
        var domains = JsonSerializer.Serialize(new[]
        {
            new { name = "src.evil", @base = "bigint", not_null = false, checks = new[] { new[] { "c", "CHECK (true); DROP TABLE dst.victim" } } },
        });
        var columns = JsonSerializer.Serialize(new[]
        {
            new { name = "id", nullable = true, metadata = new[] { new[] { "rapidbyte.native_type", "bigint" }, new[] { "rapidbyte.native_encoding", Native }, new[] { "rapidbyte.domains", domains } } },
        });
        static string Row(long id) => "0001" + "00000008" + id.ToString("x16");

        var result = await pipeline.RunAsync(pipeline.TestConnector, new { scenario = "whole_rows", columns, rows = new[] { Row(1) } },
            new StreamRequest("tampered"), db.DestinationConfig(), new StreamRequest("tampered", WriteMode: WriteMode.Append, NativeEncoding: Rows));

        Assert.False(result.Succeeded);
        Assert.Equal(ErrorCategory.Schema, result.Error!.Category);
        Assert.Contains("column \"id\" of \"dst\".\"tampered\": domain \"dst\".\"evil\" could not be created from the source's definition", result.Error.Message);
        Assert.Contains("cannot insert multiple commands into a prepared statement", result.Error.Message);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.victim"));
        Assert.False(await db.TableExistsAsync("dst.tampered"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_type WHERE typname = 'evil'"));
    }

    /// <summary>The domains <c>positive</c>, <c>small</c> and <c>label</c> of a schema, each as one line: base type,
    /// NOT NULL, default, collation and checks.</summary>
    private static Task<List<string>> DomainsAsync(TestDatabase db, string schema) => db.ColumnAsync($"""
        SELECT t.typname || ' over ' || format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || t.typdefault, '') || coalesce(' collate ' || co.collname, '')
               || coalesce((SELECT string_agg(' ' || k.conname || ' ' || pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
                              FROM pg_constraint k WHERE k.contypid = t.oid), '')
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_collation co ON co.oid = t.typcollation
         WHERE n.nspname = '{schema}' AND t.typtype = 'd' AND t.typname IN ('positive', 'small', 'label')
         ORDER BY t.typname
        """);

    /// <summary>Every row's text form, sorted: equal lists are equal multisets (EXCEPT ALL both ways, across databases).</summary>
    private static async Task<List<string>> RowsAsync(TestDatabase db, string table) =>
        (await db.ColumnAsync($"SELECT t::text FROM {table} t ORDER BY 1")).ToList();
}
