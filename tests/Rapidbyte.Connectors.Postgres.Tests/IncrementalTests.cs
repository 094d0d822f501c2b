using Npgsql;
using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// Incremental reads by cursor: nothing lost and nothing read twice across runs (a read starts
/// at the checkpointed value and skips the rows the checkpoint lists as read at it), and an
/// append whose cursor write was lost starts from its destination's commit marker instead.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class IncrementalTests(PostgresPipeline pipeline)
{
    private const string Setup = """
        CREATE TABLE src.events (id int8 PRIMARY KEY, updated_at timestamptz NOT NULL, payload text);
        INSERT INTO src.events
        SELECT i, timestamptz '2024-01-01 00:00:00+00' + (i / 10) * interval '1 minute', 'v1-' || i FROM generate_series(1, 50000) AS i;
        """;

    // New rows after the boundary, new rows AT the boundary (same updated_at as the last row
    // of the first run), and updates that move existing rows to the boundary and past it.
    private const string Changes = """
        INSERT INTO src.events SELECT i, (SELECT max(updated_at) FROM src.events), 'boundary-' || i FROM generate_series(50001, 50010) AS i;
        INSERT INTO src.events SELECT i, timestamptz '2030-01-01 00:00:00+00', 'later-' || i FROM generate_series(50011, 51000) AS i;
        UPDATE src.events SET payload = 'v2-' || id, updated_at = (SELECT max(updated_at) FROM src.events WHERE id <= 50000) WHERE id BETWEEN 100 AND 110;
        UPDATE src.events SET payload = 'v3-' || id, updated_at = timestamptz '2031-01-01 00:00:00+00' WHERE id BETWEEN 200 AND 300;
        """;

    /// <summary>The lanes a stream may take: the Arrow mapping, a native column each, whole native rows.</summary>
    public static TheoryData<string?> Lanes => new() { null, "postgresql-binary", "postgresql-binary-rows" };

    [Theory]
    [MemberData(nameof(Lanes))]
    public async Task With_upsert_the_destination_equals_the_source_after_changes_and_has_no_duplicates(string? lane)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);

        var first = await RunAsync(db, cursor: null, WriteMode.Upsert, lane);
        Assert.True(first.Succeeded, first.Error?.Message);
        Assert.NotNull(first.CommittedCursor);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.events", "dst.events"));

        await db.ExecuteAsync(Changes);
        var second = await RunAsync(db, first.CommittedCursor, WriteMode.Upsert, lane);

        Assert.True(second.Succeeded, second.Error?.Message);
        Assert.True(second.Read!.Rows < 5000, $"the second run re-read {second.Read.Rows} rows: it did not start from the cursor");
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.events", "dst.events"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) - count(DISTINCT id) FROM dst.events"));
        Assert.Contains("2031-01-01", second.CommittedCursor);
    }

    [Theory]
    [MemberData(nameof(Lanes))]
    public async Task With_append_no_row_is_lost_or_appended_twice_across_runs(string? lane)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);

        var first = await RunAsync(db, cursor: null, WriteMode.Append, lane);
        await db.ExecuteAsync(Changes);
        var second = await RunAsync(db, first.CommittedCursor, WriteMode.Append, lane);

        Assert.True(first.Succeeded && second.Succeeded, first.Error?.Message ?? second.Error?.Message);
        // Every current source row is in the destination: the new rows at the first run's last
        // value and the rows updated to it included; an updated row is appended as a new
        // version, and no row twice (the ones read at that value are not read again).
        Assert.Equal(0L, (await db.DifferenceAsync("src.events", "dst.events")).OnlyInSource);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) - count(DISTINCT (id, payload)) FROM dst.events"));
        Assert.Equal(10 + 990 + 11 + 101, second.Read!.Rows);
    }

    [Theory]
    [MemberData(nameof(Lanes))]
    public async Task An_append_whose_cursor_write_was_lost_starts_after_its_destinations_commit_marker(string? lane)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.numbers (id int8 PRIMARY KEY, v text); INSERT INTO src.numbers SELECT i, 'v' || i FROM generate_series(1, 20000) AS i;");
        var marker = new MarkerKey("p/numbers", "run-1");

        var first = await AppendNumbersAsync(db, cursor: null, marker, lane);
        Assert.True(first.Succeeded && first.Marked, first.Error?.Message);
        await db.ExecuteAsync("INSERT INTO src.numbers SELECT i, 'v' || i FROM generate_series(20001, 20500) AS i");
        // The cursor the first run committed never reached the state store (its silo was lost
        // right after the destination's commit): the next run is given the one before it.
        var second = await AppendNumbersAsync(db, cursor: null, marker with { Run = "run-2" }, lane);

        Assert.True(second.Succeeded, second.Error?.Message);
        Assert.Equal(500, second.Read!.Rows);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.numbers", "dst.numbers"));
        Assert.Equal("run-2", await db.ScalarAsync<string>("SELECT run FROM dst.rapidbyte_commit_markers WHERE stream = 'p/numbers' AND complete"));

        // The run whose last commit is in, taken up again (its completion was not recorded): nothing more.
        var again = await AppendNumbersAsync(db, cursor: null, marker with { Run = "run-2" }, lane);
        Assert.True(again.Succeeded, again.Error?.Message);
        Assert.Equal(0, again.Read!.Rows);
        Assert.Equal(second.CommittedCursor, again.CommittedCursor);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.numbers", "dst.numbers"));
    }

    [Fact]
    public async Task A_full_refresh_append_taken_up_after_its_last_commit_appends_nothing_more()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.numbers (id int8 PRIMARY KEY, v text); INSERT INTO src.numbers SELECT i, 'v' || i FROM generate_series(1, 20000) AS i;");
        Task<Engine.Streams.StreamRunResult> RunAsync(string run) => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("numbers", Limits: new BatchLimits(MaxBatchRows: 1000)),
            db.DestinationConfig(), new StreamRequest("numbers", WriteMode: WriteMode.Append, Marker: new MarkerKey("p/numbers", run)));

        var first = await RunAsync("run-1");
        // The same run again, as a silo taking it up does when the run's end was not recorded.
        var again = await RunAsync("run-1");
        var count = await db.ScalarAsync<long>("SELECT count(*) FROM dst.numbers");
        // A new run of a full refresh appends the table once more, as append says.
        var next = await RunAsync("run-2");

        Assert.True(first.Succeeded && again.Succeeded && next.Succeeded, first.Error?.Message ?? again.Error?.Message ?? next.Error?.Message);
        Assert.Equal(0, again.Read!.Rows);
        Assert.Equal(20000, count);
        Assert.Equal(40000, await db.ScalarAsync<long>("SELECT count(*) FROM dst.numbers"));
    }

    [Fact]
    public async Task An_append_with_a_commit_marker_reads_the_marker_and_writes_on_one_destination_connection()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.numbers (id int8 PRIMARY KEY, v text); INSERT INTO src.numbers SELECT i, 'v' || i FROM generate_series(1, 20000) AS i;");
        Task<Engine.Streams.StreamRunResult> RunAsync(string run) => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("numbers"),
            db.DestinationConfig(), new StreamRequest("numbers", WriteMode: WriteMode.Append, Marker: new MarkerKey("p/numbers", run)));
        // Sessions PostgreSQL started for the database (both connectors use it), asked on one
        // session of the test's own: counted once the connectors' sessions have ended, which is
        // when a backend reports its statistics.
        await using var observer = await db.OpenAsync();
        async Task<long> ScalarAsync(string sql) => (long)(await new NpgsqlCommand(sql, observer).ExecuteScalarAsync())!;
        async Task<long> SessionsAsync()
        {
            for (var waited = 0; await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rapidbyte'") > 0; waited++)
            {
                Assert.True(waited < 200, "the connectors' sessions did not end");
                await Task.Delay(50);
            }
            return await ScalarAsync("SELECT sessions FROM pg_stat_database WHERE datname = current_database()");
        }

        // The first run finds no marker table; the second finds it and its marker.
        var before = await SessionsAsync();
        var first = await RunAsync("run-1");
        var afterFirst = await SessionsAsync();
        var second = await RunAsync("run-2");
        var afterSecond = await SessionsAsync();

        Assert.True(first.Succeeded && second.Succeeded, first.Error?.Message ?? second.Error?.Message);
        Assert.True(first.Marked && second.Marked);
        // One session for the source's read, one for the destination's marker and rows.
        Assert.Equal(2, afterFirst - before);
        Assert.Equal(2, afterSecond - afterFirst);
        Assert.Equal(40000, await db.ScalarAsync<long>("SELECT count(*) FROM dst.numbers"));
        Assert.Equal("run-2", await db.ScalarAsync<string>("SELECT run FROM dst.rapidbyte_commit_markers WHERE stream = 'p/numbers' AND complete"));
    }

    private Task<Engine.Streams.StreamRunResult> AppendNumbersAsync(TestDatabase db, string? cursor, MarkerKey marker, string? lane) =>
        pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("numbers", SyncMode.Incremental, CursorField: "id", Cursor: cursor, Limits: new BatchLimits(MaxBatchRows: 1000), NativeEncoding: lane),
            db.DestinationConfig(), new StreamRequest("numbers", WriteMode: WriteMode.Append, Marker: marker, NativeEncoding: lane));

    [Fact]
    public async Task An_integer_cursor_checkpoints_the_highest_value_not_the_highest_text()
    {
        // As text, '9999' sorts after '20000': the cursor must follow the column's own order.
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.numbers (id int8 PRIMARY KEY, v text); INSERT INTO src.numbers SELECT i, 'v' || i FROM generate_series(1, 20000) AS i;");

        var first = await pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("numbers", SyncMode.Incremental, CursorField: "id", Limits: new BatchLimits(MaxBatchRows: 1000)),
            db.DestinationConfig(), new StreamRequest("numbers", WriteMode: WriteMode.Upsert, PrimaryKey: ["id"]));
        await db.ExecuteAsync("INSERT INTO src.numbers VALUES (20001, 'new')");
        var second = await pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("numbers", SyncMode.Incremental, CursorField: "id", Cursor: first.CommittedCursor),
            db.DestinationConfig(), new StreamRequest("numbers", WriteMode: WriteMode.Upsert, PrimaryKey: ["id"]));

        Assert.True(first.Succeeded && second.Succeeded, first.Error?.Message ?? second.Error?.Message);
        Assert.Contains("20000", first.CommittedCursor);
        Assert.Equal(1, second.Read!.Rows); // the new row only: the boundary row is listed as read
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.numbers", "dst.numbers"));
    }

    private Task<Engine.Streams.StreamRunResult> RunAsync(TestDatabase db, string? cursor, WriteMode mode, string? lane) =>
        pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("events", SyncMode.Incremental, CursorField: "updated_at", Cursor: cursor,
                Limits: new BatchLimits(MaxBatchRows: 5000), NativeEncoding: lane),
            db.DestinationConfig(), new StreamRequest("events", WriteMode: mode, PrimaryKey: ["id"], NativeEncoding: lane));
}
