using Npgsql;
using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// A replace with several connections (the stream's <c>parallelism</c>): the batches go round the connections, all of
/// them COPY into the new table at once, and readers see the old table or exactly the source's rows, never a part;
/// a failure leaves the old table and no staging table. Append and upsert, and a replace through casts, write with one
/// connection whatever the parallelism.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ParallelWriteTests(PostgresPipeline pipeline)
{
    private const int Rows = 200_000;
    private const string Native = "postgresql-binary";
    private const string WholeRows = "postgresql-binary-rows";

    /// <summary>20 batches of 10,000 rows: every one of 4 connections gets 5.</summary>
    private static readonly BatchLimits Limits = new(MaxBatchRows: 10_000);

    [Fact]
    public async Task A_replace_with_four_connections_swaps_in_exactly_the_source_rows()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync($"""
            CREATE TABLE src.items (id int8 PRIMARY KEY, name text, tags text[], addr inet, amount numeric(12, 2));
            INSERT INTO src.items SELECT i, 'item-' || i, ARRAY['a' || i, NULL], ('10.0.' || (i % 250) || '.1')::inet, i / 100.0
              FROM generate_series(1, {Rows}) AS i;
            CREATE TABLE dst.items (id int8 PRIMARY KEY, name text);
            INSERT INTO dst.items VALUES (-1, 'old');
            """);

        var (result, mostCopies, counts) = await WatchedAsync(db, () => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("items", Limits: Limits, NativeEncoding: WholeRows),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: WriteMode.Replace, Limits: Limits, NativeEncoding: WholeRows, Parallelism: 4)));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(4, mostCopies);
        Assert.Equal(Rows, result.CommittedRows);
        Assert.All(counts, count => Assert.Contains(count, new[] { 1L, (long)Rows }));
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.items", "dst.items"));
        Assert.Equal(await db.ColumnTypesAsync("src", "items"), await db.ColumnTypesAsync("dst", "items"));
        Assert.False(await db.TableExistsAsync("dst.items__rb_replace"));
    }

    [Fact]
    public async Task A_parallel_replace_whose_source_fails_leaves_the_old_table()
    {
        var db = await pipeline.CreateDatabaseAsync();
        // The last row holds a value the Arrow mapping cannot carry (NaN in a numeric(10,2)): the source fails after
        // every connection has taken batches.
        await db.ExecuteAsync($"""
            CREATE TABLE src.items (id int8 PRIMARY KEY, amount numeric(10, 2));
            INSERT INTO src.items SELECT i, i % 1000 FROM generate_series(1, {Rows}) AS i;
            INSERT INTO src.items VALUES ({Rows + 1}, 'NaN');
            CREATE TABLE dst.items (id int8 PRIMARY KEY, amount numeric(10, 2));
            INSERT INTO dst.items VALUES (-1, 0);
            """);

        var (result, mostCopies, counts) = await WatchedAsync(db, () => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("items", Limits: Limits),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: WriteMode.Replace, Limits: Limits, Parallelism: 4)));

        Assert.False(result.Succeeded);
        Assert.Contains("NaN", result.Error!.Message);
        Assert.Equal(4, mostCopies);
        Assert.Equal(0, result.CommittedRows);
        Assert.All(counts, count => Assert.Equal(1L, count));
        Assert.Equal(["-1"], await db.ColumnAsync("SELECT id::text FROM dst.items"));
        Assert.False(await db.TableExistsAsync("dst.items__rb_replace"));
    }

    [Theory]
    [InlineData(WriteMode.Append, Native)]
    [InlineData(WriteMode.Upsert, Native)]
    [InlineData(WriteMode.Replace, null)] // inet and text[] through the Arrow mapping: cast in a staging table
    public async Task Other_writes_use_one_connection_whatever_the_parallelism(WriteMode mode, string? encoding)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync($"""
            CREATE TABLE src.items (id int8 PRIMARY KEY, name text, tags text[], addr inet);
            INSERT INTO src.items SELECT i, 'item-' || i, ARRAY['a' || i, NULL], ('10.0.' || (i % 250) || '.1')::inet
              FROM generate_series(1, {Rows}) AS i;
            CREATE TABLE dst.items (id int8 PRIMARY KEY, name text, tags text[], addr inet);
            """);

        var (result, mostCopies, _) = await WatchedAsync(db, () => pipeline.RunAsync(
            db.SourceConfig(), new StreamRequest("items", Limits: Limits, NativeEncoding: encoding),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: mode, PrimaryKey: ["id"], Limits: Limits, NativeEncoding: encoding,
                Marker: mode == WriteMode.Append ? new MarkerKey("p/items", "run-1") : null, Parallelism: 4)));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(1, mostCopies);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.items", "dst.items"));
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
