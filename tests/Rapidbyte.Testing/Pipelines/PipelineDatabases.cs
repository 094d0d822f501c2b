using Npgsql;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Testing.Pipelines;

/// <summary>
/// A real PostgreSQL server with a <c>source</c> and a <c>destination</c> database, and the
/// pipeline YAML that moves tables between them (state goes to the destination database, the
/// default). For tests of whole pipeline runs: grains, the CLI.
/// </summary>
public sealed class PipelineDatabases : IAsyncDisposable
{
    public const string Source = "source";
    public const string Destination = "destination";

    /// <summary>
    /// A slow source to interrupt: <c>events</c>, 20,000 rows, and <c>pace(id)</c>, a filter
    /// that sleeps 50 ms every 500 rows (a view <c>WHERE pace(id)</c> takes about 2 s). With
    /// <c>enable_sort</c> off an ordered incremental read streams from the primary key's index
    /// instead of sorting, which would sleep through every row before the first.
    /// </summary>
    public const string SlowEventsSql = """
        CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL);
        INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
        CREATE FUNCTION pace(id bigint) RETURNS boolean LANGUAGE plpgsql AS
          $$ BEGIN IF id % 500 = 0 THEN PERFORM pg_sleep(0.05); END IF; RETURN true; END $$;
        ALTER DATABASE source SET enable_sort = off;
        """;

    private PipelineDatabases(PostgresServer server) => Server = server;

    public PostgresServer Server { get; }

    public static async Task<PipelineDatabases> StartAsync()
    {
        var server = await PostgresServer.StartAsync();
        await server.ExecuteAsync($"CREATE DATABASE {Source}; ");
        await server.ExecuteAsync($"CREATE DATABASE {Destination}");
        return new PipelineDatabases(server);
    }

    /// <summary>
    /// A pipeline of <paramref name="streams"/> (YAML list items, e.g. <c>- {name: t, sync_mode: full_refresh}</c>)
    /// from schema <c>public</c> of the source to schema <c>public</c> of the destination.
    /// </summary>
    /// <param name="destinationExtra">More keys of the destination's config (YAML flow mapping entries).</param>
    /// <param name="resources">The <c>resources</c> mapping's entries, if any.</param>
    public string PipelineYaml(string name, string streams, string writeMode = "append", string? primaryKey = null,
        string destinationExtra = "", string resources = "", string? password = null) => $$"""
        version: "1"
        pipeline: {{name}}
        source:
          use: source-postgres
          config: {host: {{Server.Host}}, port: {{Server.Port}}, user: {{PostgresServer.User}}, password: "{{password ?? Server.Password}}", database: {{Source}}, schema: public}
          streams:
        {{string.Join('\n', streams.Split('\n').Select(line => "    " + line.Trim()))}}
        destination:
          use: dest-postgres
          config: {host: {{Server.Host}}, port: {{Server.Port}}, user: {{PostgresServer.User}}, password: "{{Server.Password}}", database: {{Destination}}, schema: public{{destinationExtra}}}
          write_mode: {{writeMode}}
        {{(primaryKey is null ? "" : $"  primary_key: [{primaryKey}]")}}
        {{(resources.Length == 0 ? "" : $"resources: {{{resources}}}")}}
        """;

    public Task ExecuteAsync(string database, string sql) => Server.ExecuteAsync(sql, database);

    /// <summary>
    /// Ends every COPY running in <paramref name="database"/> the way an operator or a failover
    /// does (<c>pg_terminate_backend</c>); how many there were.
    /// </summary>
    public Task<long> TerminateCopiesAsync(string database) => ScalarAsync<long>(database,
        $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{database}' AND query LIKE 'COPY%' AND pid <> pg_backend_pid()");

    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Rows of <paramref name="sourceTable"/> missing from <paramref name="destinationTable"/>
    /// plus rows there that the source does not have, counting duplicates (0 = equal).
    /// </summary>
    public async Task<long> DifferenceAsync(string sourceTable, string destinationTable, string columns = "*")
    {
        // Both databases are on one server: bring the source rows over as text, compare as multisets.
        var rows = await RowsAsync(Source, $"SELECT t::text FROM (SELECT {columns} FROM {sourceTable}) t");
        var other = await RowsAsync(Destination, $"SELECT t::text FROM (SELECT {columns} FROM {destinationTable}) t");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            counts[row] = counts.GetValueOrDefault(row) + 1;
        }
        foreach (var row in other)
        {
            counts[row] = counts.GetValueOrDefault(row) - 1;
        }
        return counts.Values.Sum(Math.Abs);
    }

    private async Task<List<string>> RowsAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
