using Npgsql;
using Rapidbyte.Contracts;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// A full refresh read in page ranges by several connections on one exported snapshot: with transfers between rows
/// of the first and the last range and inserts committing all along, the destination holds exactly the rows of one
/// moment — every row once, the balances' sum unchanged, the inserted rows a prefix of their commit order.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ParallelReadTests(PostgresPipeline pipeline)
{
    private const long Rows = 1_000_000;

    [Theory]
    [InlineData(null)] // the Arrow mapping
    [InlineData("postgresql-binary-rows")] // whole rows, as between two PostgreSQL connectors
    public async Task Four_ranges_under_concurrent_writes_read_exactly_one_snapshot(string? lane)
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync($"""
            CREATE TABLE src.accounts (id int8 PRIMARY KEY, balance int8 NOT NULL, pad text);
            INSERT INTO src.accounts SELECT i, 100, md5(i::text) FROM generate_series(1, {Rows}) i;
            """);
        await db.ExecuteAsync("VACUUM ANALYZE src.accounts");
        var total = await db.ScalarAsync<decimal>("SELECT sum(balance) FROM src.accounts");
        // A range reads only its pages (PostgreSQL 14+), not the whole table filtered.
        Assert.Contains("Tid Range Scan", string.Join("\n", await db.ColumnAsync(
            "EXPLAIN SELECT id FROM src.accounts AS t WHERE t.ctid >= '(2500,0)'::tid AND t.ctid < '(5000,0)'::tid")));

        using var stop = new CancellationTokenSource();
        var writes = WriteAllAlongAsync(db, stop.Token);
        var watch = MostRangeCopiesAsync(db, stop.Token);
        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("accounts", Parallelism: 4, NativeEncoding: lane),
            db.DestinationConfig(), new StreamRequest("accounts", WriteMode: WriteMode.Append, NativeEncoding: lane));
        await stop.CancelAsync();
        var transactions = await writes;
        var mostCopies = await watch;

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.True(transactions > 0, "the writes ran while the table was read");
        Assert.Equal(4, mostCopies);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) - count(DISTINCT id) FROM dst.accounts"));
        Assert.Equal(total, await db.ScalarAsync<decimal>("SELECT sum(balance) FROM dst.accounts"));
        Assert.Equal(Rows, await db.ScalarAsync<long>($"SELECT count(*) FROM dst.accounts WHERE id <= {Rows}"));
        // The inserted rows seen are the first K to commit, for some K: a prefix, no gaps.
        var (inserted, highest) = (await db.ScalarAsync<long>($"SELECT count(*) FROM dst.accounts WHERE id > {Rows}"),
                                   await db.ScalarAsync<long>($"SELECT coalesce(max(id), {Rows}) FROM dst.accounts"));
        Assert.Equal(highest - Rows, inserted);
        // And every row equals its version in some one state of the source: the source now differs from it exactly
        // by the transactions after the snapshot, which the sum and the prefix already pin down; the untouched rows
        // (the last transfers cannot reach these) are equal row for row.
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT id, pad FROM src.accounts WHERE id <= 1000000 EXCEPT ALL SELECT id, pad FROM dst.accounts) d"));
    }

    [Fact]
    public async Task A_range_that_fails_fails_the_stream_and_nothing_is_committed()
    {
        var db = await pipeline.CreateDatabaseAsync();
        // The last row, in the last range, holds a value the Arrow mapping cannot carry (NaN in a numeric(10,2)).
        await db.ExecuteAsync($"""
            CREATE TABLE src.accounts (id int8 PRIMARY KEY, amount numeric(10, 2), pad text);
            INSERT INTO src.accounts SELECT i, i % 1000, md5(i::text) FROM generate_series(1, {Rows}) i;
            INSERT INTO src.accounts VALUES ({Rows + 1}, 'NaN', 'bad');
            """);
        await db.ExecuteAsync("VACUUM ANALYZE src.accounts");

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("accounts", Parallelism: 4),
            db.DestinationConfig(), new StreamRequest("accounts", WriteMode: WriteMode.Append, Marker: new MarkerKey("p/accounts", "run-1"), Parallelism: 2));

        Assert.False(result.Succeeded);
        Assert.Contains("amount", result.Error!.Message);
        Assert.Contains("NaN", result.Error.Message);
        Assert.Equal(0, result.CommittedRows);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM dst.accounts"));
        Assert.False(await db.TableExistsAsync("dst.accounts__rb_lanes"));
        // Every range's connection is gone: none is left reading.
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT%accounts%' AND state = 'active'"));
    }

    /// <summary>Until stopped: in each transaction move 1 from a row of the table's first quarter to one of its last, and insert a row.</summary>
    private async Task<long> WriteAllAlongAsync(TestDatabase db, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(pipeline.Server.ConnectionString(db.Name));
        await connection.OpenAsync(CancellationToken.None);
        var random = new Random(7);
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            count++;
            var from = random.NextInt64(1, Rows / 4);
            var to = random.NextInt64(Rows * 3 / 4, Rows + 1);
            await using var command = new NpgsqlCommand($"""
                BEGIN;
                UPDATE src.accounts SET balance = balance - 1 WHERE id = {from};
                UPDATE src.accounts SET balance = balance + 1 WHERE id = {to};
                INSERT INTO src.accounts VALUES ({Rows + count}, 0, 'new');
                COMMIT;
                """, connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        return count;
    }

    /// <summary>The most range COPYs seen running at once on the server.</summary>
    private async Task<long> MostRangeCopiesAsync(TestDatabase db, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(pipeline.Server.ConnectionString(db.Name));
        await connection.OpenAsync(CancellationToken.None);
        long most = 0;
        while (!stop.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT%accounts%' AND state = 'active'", connection);
            most = Math.Max(most, (long)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(20, CancellationToken.None);
        }
        return most;
    }
}
