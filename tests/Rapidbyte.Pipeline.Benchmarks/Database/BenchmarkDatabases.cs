using Npgsql;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Database;

/// <summary>
/// The source and destination databases of the benchmark, side by side on one throwaway
/// server, so every contender talks to the same PostgreSQL over the same loopback.
/// </summary>
internal sealed class BenchmarkDatabases
{
    public const string Source = "bench_source";
    public const string Destination = "bench_destination";

    private readonly PostgresServer _server;

    private BenchmarkDatabases(PostgresServer server) => _server = server;

    public static async Task<BenchmarkDatabases> CreateAsync(PostgresServer server)
    {
        var databases = new BenchmarkDatabases(server);
        await databases.ExecuteAsync("postgres", $"CREATE DATABASE {Source}");
        await databases.ExecuteAsync("postgres", $"CREATE DATABASE {Destination}");
        // Loading a few GB must not trigger checkpoints in the middle of a timed load: each
        // load starts after an explicit CHECKPOINT instead. No autovacuum either: it would run
        // into whichever load comes next (the source tables are vacuumed when made, destination
        // tables are dropped after each load). ALTER SYSTEM refuses batches: one call each.
        await databases.ExecuteAsync("postgres", "ALTER SYSTEM SET max_wal_size = '32GB'");
        await databases.ExecuteAsync("postgres", "ALTER SYSTEM SET checkpoint_timeout = '1d'");
        await databases.ExecuteAsync("postgres", "ALTER SYSTEM SET autovacuum = off");
        await databases.ExecuteAsync("postgres", "SELECT pg_reload_conf()");
        return databases;
    }

    /// <summary>Creates and fills <paramref name="table"/> in the source, and says what it holds.</summary>
    public async Task<SourceFacts> CreateSourceTableAsync(BenchmarkTable table, int rows)
    {
        await ExecuteAsync(Source, table.CreateSourceSql(rows));
        // Freeze now, so that no contender pays for setting hint bits on its first read.
        await ExecuteAsync(Source, $"VACUUM (FREEZE, ANALYZE) {table.Name}");
        return await DescribeSourceAsync(table.Name);
    }

    public async Task<SourceFacts> DescribeSourceAsync(string relation)
    {
        await using var connection = await OpenAsync(Source);
        var fingerprint = await FingerprintAsync(connection, relation);
        var diskBytes = await ScalarAsync<long>(connection, $"SELECT pg_total_relation_size('{relation}')");
        return new SourceFacts(fingerprint.Rows, await CopyBytesAsync(connection, relation), diskBytes, fingerprint);
    }

    /// <summary>
    /// Replaces <paramref name="table"/> in the destination by an empty one, then
    /// checkpoints, so that no load inherits the previous load's dirty pages.
    /// </summary>
    public async Task ResetDestinationAsync(BenchmarkTable table)
    {
        await ExecuteAsync(Destination, $"DROP TABLE IF EXISTS {table.Name}; {table.CreateDestinationSql()}");
        await ExecuteAsync(Destination, "CHECKPOINT");
    }

    public async Task<TableFingerprint> DestinationFingerprintAsync(string table)
    {
        await using var connection = await OpenAsync(Destination);
        return await FingerprintAsync(connection, table);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> without the 30 s command timeout of
    /// <see cref="PostgresServer.ExecuteAsync"/>: generating millions of rows takes longer.
    /// </summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = await OpenAsync(database);
        return await ScalarAsync<T>(connection, sql);
    }

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(_server.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<TableFingerprint> FingerprintAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand(TableFingerprint.Query(table), connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new TableFingerprint(reader.GetInt64(0), reader.GetString(1));
    }

    // COPY TO STDOUT works on tables only; a view is copied through its SELECT.
    private static async Task<long> CopyBytesAsync(NpgsqlConnection connection, string relation)
    {
        await using var stream = await connection.BeginRawBinaryCopyAsync($"COPY (SELECT * FROM {relation}) TO STDOUT (FORMAT binary)");
        var buffer = new byte[1 << 20];
        long bytes = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            bytes += read;
        }
        return bytes;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
