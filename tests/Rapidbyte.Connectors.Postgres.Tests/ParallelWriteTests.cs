using Npgsql;
using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// A write with several connections (the stream's <c>parallelism</c>): the batches go round the connections, all of
/// them COPY at once, and the rows still appear in one commit — exactly the source's, the commit marker beside them —
/// or, when any connection fails, not at all, with no staging table left behind.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ParallelWriteTests(PostgresPipeline pipeline)
{
    private const int Rows = 200_000;

    /// <summary>20 batches of 10,000 rows: every one of 4 connections gets 5.</summary>
    private static readonly BatchLimits Limits = new(MaxBatchRows: 10_000);

    [Fact]
    public async Task An_append_with_four_connections_adds_exactly_the_source_rows_in_one_commit()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync($"""
            CREATE TABLE src.items (id int8 PRIMARY KEY, name text, amount numeric(12, 2), at timestamptz);
            INSERT INTO src.items SELECT i, 'item-' || i, i / 100.0, '2026-01-01'::timestamptz + i * interval '1 minute'
              FROM generate_series(1, {Rows}) AS i;
            CREATE TABLE dst.items (id int8 PRIMARY KEY, name text, amount numeric(12, 2), at timestamptz);
            INSERT INTO dst.items VALUES (-1, 'already there', 0, now());
            """);
        var marker = new MarkerKey("p/items", "run-1");

        var (result, mostCopies, counts) = await WatchedAsync(db, () => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("items", Limits: Limits),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: WriteMode.Append, Limits: Limits, Marker: marker, Parallelism: 4)));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(4, mostCopies);
        // Readers saw the table before or after, never part of the load.
        Assert.All(counts, count => Assert.Contains(count, new[] { 1L, Rows + 1L }));
        Assert.Equal(Rows, result.CommittedRows);
        Assert.Equal(Rows + 1L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.items"));
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT * FROM src.items EXCEPT ALL SELECT * FROM dst.items) d"));
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT * FROM dst.items EXCEPT ALL SELECT * FROM src.items) d"));
        Assert.True(await db.ScalarAsync<bool>(
            "SELECT complete AND run = 'run-1' FROM dst.rapidbyte_commit_markers WHERE stream = 'p/items'"));
        Assert.False(await db.TableExistsAsync("dst.items__rb_lanes"));
    }

    [Fact]
    public async Task A_replace_with_four_connections_swaps_in_exactly_the_source_rows()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync($"""
            CREATE TABLE src.items (id int8 PRIMARY KEY, name text, tags text[], addr inet);
            INSERT INTO src.items SELECT i, 'item-' || i, ARRAY['a' || i, NULL], ('10.0.' || (i % 250) || '.1')::inet
              FROM generate_series(1, {Rows}) AS i;
            CREATE TABLE dst.items (id int8 PRIMARY KEY, name text);
            INSERT INTO dst.items VALUES (-1, 'old');
            """);

        var (result, mostCopies, counts) = await WatchedAsync(db, () => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("items", Limits: Limits),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: WriteMode.Replace, Limits: Limits, Parallelism: 4)));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(4, mostCopies);
        Assert.All(counts, count => Assert.Contains(count, new[] { 1L, (long)Rows }));
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.items", "dst.items"));
        Assert.Equal(await db.ColumnTypesAsync("src", "items"), await db.ColumnTypesAsync("dst", "items"));
        Assert.False(await db.TableExistsAsync("dst.items__rb_replace"));
        Assert.False(await db.TableExistsAsync("dst.items__rb_lanes"));
    }

    [Fact]
    public async Task A_connection_that_fails_rolls_back_every_connections_rows()
    {
        var db = await pipeline.CreateDatabaseAsync();
        // Key 35,000 is in the fourth batch, the fourth connection's; the table checks its key at commit, so the clash
        // shows only once the other connections have committed their shares: those must not stay.
        await db.ExecuteAsync($"""
            CREATE TABLE src.items (id int8 PRIMARY KEY, name text);
            INSERT INTO src.items SELECT i, 'item-' || i FROM generate_series(1, {Rows}) AS i;
            CREATE TABLE dst.items (id int8, name text, UNIQUE (id) DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO dst.items VALUES (35000, 'already there');
            """);

        var result = await pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("items", Limits: Limits),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: WriteMode.Append, Limits: Limits,
                Marker: new MarkerKey("p/items", "run-1"), Parallelism: 4));

        Assert.False(result.Succeeded);
        Assert.Contains("dst\".\"items", result.Error!.Message);
        Assert.Contains("duplicate key", result.Error.Message);
        Assert.Equal(0, result.CommittedRows);
        Assert.Equal(["35000 already there"], await db.ColumnAsync("SELECT id || ' ' || name FROM dst.items"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.rapidbyte_commit_markers"));
        Assert.False(await db.TableExistsAsync("dst.items__rb_lanes"));
    }

    /// <summary>
    /// Runs <paramref name="run"/> while watching the destination: the most <c>COPY ... FROM STDIN</c> running at once
    /// on the database, and the destination table's row count as readers saw it all along.
    /// </summary>
    private async Task<(Engine.Streams.StreamRunResult Result, long MostCopies, List<long> Counts)> WatchedAsync(
        TestDatabase db, Func<Task<Engine.Streams.StreamRunResult>> run)
    {
        using var stop = new CancellationTokenSource();
        var counts = new List<long>();
        long most = 0;
        var watcher = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(pipeline.Server.ConnectionString(db.Name));
            await connection.OpenAsync(CancellationToken.None);
            while (!stop.IsCancellationRequested)
            {
                await using var copies = new NpgsqlCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %FROM STDIN%' AND state = 'active'",
                    connection);
                most = Math.Max(most, (long)(await copies.ExecuteScalarAsync(CancellationToken.None))!);
                await using var count = new NpgsqlCommand("SELECT count(*) FROM dst.items", connection);
                counts.Add((long)(await count.ExecuteScalarAsync(CancellationToken.None))!);
                await Task.Delay(10, CancellationToken.None);
            }
        });
        var result = await run();
        await stop.CancelAsync();
        await watcher;
        return (result, most, counts);
    }
}
