using Npgsql;
using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>Replace swaps the table atomically: readers see the old rows or the new, never a mix or nothing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplaceTests(PostgresPipeline pipeline)
{
    [Fact]
    public async Task A_concurrent_reader_never_sees_a_partial_table()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.items (id int8 PRIMARY KEY, name text); INSERT INTO src.items SELECT i, 'old-' || i FROM generate_series(1, 20000) AS i;");
        var first = await RunReplaceAsync(db);
        Assert.True(first.Succeeded, first.Error?.Message);
        await db.ExecuteAsync("TRUNCATE src.items; INSERT INTO src.items SELECT i, 'new-' || i FROM generate_series(1, 300000) AS i;");

        using var stop = new CancellationTokenSource();
        var observed = new List<long>();
        var reader = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(pipeline.Server.ConnectionString(db.Name));
            await connection.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM dst.items", connection);
                observed.Add((long)(await command.ExecuteScalarAsync())!);
            }
        });
        var second = await RunReplaceAsync(db);
        await stop.CancelAsync();
        await reader;

        Assert.True(second.Succeeded, second.Error?.Message);
        Assert.All(observed, count => Assert.Contains(count, new[] { 20000L, 300000L }));
        Assert.Contains(20000L, observed);
        Assert.Equal(300000L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.items"));
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.items", "dst.items"));
    }

    [Fact]
    public async Task A_replace_whose_source_fails_leaves_the_previous_table_intact()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.items (id int8 PRIMARY KEY, name text); INSERT INTO src.items SELECT i, 'old-' || i FROM generate_series(1, 1000) AS i;");
        Assert.True((await RunReplaceAsync(db)).Succeeded);
        // The new load fails half way: a value the source cannot read (NaN into a decimal) after many rows.
        await db.ExecuteAsync("""
            ALTER TABLE src.items ADD COLUMN amount numeric(10, 2);
            INSERT INTO src.items SELECT i, 'new-' || i, 1 FROM generate_series(1001, 200000) AS i;
            INSERT INTO src.items VALUES (200001, 'bad', 'NaN');
            """);

        var failed = await RunReplaceAsync(db);

        Assert.False(failed.Succeeded);
        Assert.Equal(1000L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.items"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.items WHERE name NOT LIKE 'old-%'"));
    }

    private Task<Engine.Streams.StreamRunResult> RunReplaceAsync(TestDatabase db) =>
        pipeline.RunAsync(db.SourceConfig(), new StreamRequest("items", Limits: new BatchLimits(MaxBatchRows: 10000)),
            db.DestinationConfig(), new StreamRequest("items", WriteMode: WriteMode.Replace, PrimaryKey: ["id"]));
}
