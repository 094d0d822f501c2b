using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Rapidbyte.Contracts;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Modules;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// One real PostgreSQL server and the two connectors: each test gets its own database with a
/// source schema <c>src</c> and a destination schema <c>dst</c>, so EXCEPT can compare them.
/// </summary>
public class PostgresPipeline : IAsyncLifetime
{
    private ConnectorModule? _source;
    private ConnectorModule? _destination;
    private ConnectorModule? _testConnector;

    public PostgresServer Server { get; private set; } = null!;

    public PostgresPipeline() => Runtime = new ConnectorRuntime(loggerFactory: new LoggerFactory([Logs]));

    public ConnectorRuntime Runtime { get; }

    /// <summary>What the connectors logged, every test's (the tests of a collection run one at a time).</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        Server = await StartServerAsync();
        _source = Runtime.LoadModuleFile(RepositoryPaths.Connector("source-postgres"));
        _destination = Runtime.LoadModuleFile(RepositoryPaths.Connector("dest-postgres"));
    }

    /// <summary>A fresh database with empty schemas <c>src</c> and <c>dst</c>; returns its name.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..12];
        await Server.ExecuteAsync($"CREATE DATABASE {name}");
        var database = new TestDatabase(this, name);
        await database.ExecuteAsync("CREATE SCHEMA src; CREATE SCHEMA dst;");
        return database;
    }

    /// <summary>A connector config for the server; to a TLS server, over TLS verified against its authority.</summary>
    public Dictionary<string, object?> Config(string database, string schema, string? password = null, int? port = null, bool strictTypes = false)
    {
        var config = new Dictionary<string, object?>
        {
            ["host"] = Server.Host,
            ["port"] = port ?? Server.Port,
            ["user"] = PostgresServer.User,
            ["password"] = password ?? Server.Password,
            ["database"] = database,
            ["schema"] = schema,
            ["strict_types"] = strictTypes,
        };
        if (Server.Certificates is { } certificates)
        {
            config["sslmode"] = "verify-full";
            config["sslrootcert"] = certificates.RootFile;
        }
        return config;
    }

    public Task<StreamRunResult> RunAsync(object sourceConfig, StreamRequest read, object destinationConfig, StreamRequest write, int? port = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(_source!, sourceConfig, read, destinationConfig, write, port, cancellationToken);

    /// <summary>The test connector: a source that sends what a test scripts (<c>config.scenario</c>).</summary>
    public ConnectorModule TestConnector => _testConnector ??= Runtime.LoadModuleFile(RepositoryPaths.Connector("test-connector"));

    /// <summary>A stream from <paramref name="source"/> into the PostgreSQL destination.</summary>
    public Task<StreamRunResult> RunAsync(ConnectorModule source, object sourceConfig, StreamRequest read, object destinationConfig, StreamRequest write,
        int? port = null, CancellationToken cancellationToken = default)
    {
        var options = new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"{Server.Host}:{port ?? Server.Port}", $"{Server.Host}:{Server.Port}") };
        return new StreamRunner(Runtime).RunAsync(
            new StreamEndpoint(source, JsonSerializer.SerializeToElement(sourceConfig), read, options),
            new StreamEndpoint(_destination!, JsonSerializer.SerializeToElement(destinationConfig), write, options),
            cancellationToken: cancellationToken);
    }

    public async Task DisposeAsync()
    {
        Runtime.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>The server the connectors use.</summary>
    protected virtual Task<PostgresServer> StartServerAsync() => PostgresServer.StartAsync();
}

/// <summary>The same with a server that accepts TLS connections only (<see cref="PostgresServer.StartWithTlsAsync"/>).</summary>
public sealed class TlsPostgresPipeline : PostgresPipeline
{
    /// <inheritdoc/>
    protected override Task<PostgresServer> StartServerAsync() => PostgresServer.StartWithTlsAsync();
}

/// <summary>A database of one test, with helpers to run SQL and compare tables.</summary>
public sealed class TestDatabase(PostgresPipeline pipeline, string name)
{
    public string Name { get; } = name;

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<string>> ColumnAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.IsDBNull(0) ? "<null>" : reader.GetValue(0).ToString()!);
        }
        return values;
    }

    /// <summary>Rows (as their full text form) in one table and not the other, both ways.</summary>
    public async Task<(long OnlyInSource, long OnlyInDestination)> DifferenceAsync(string sourceTable, string destinationTable) =>
        (await ScalarAsync<long>($"SELECT count(*) FROM (SELECT t::text FROM {sourceTable} t EXCEPT ALL SELECT t::text FROM {destinationTable} t) d"),
         await ScalarAsync<long>($"SELECT count(*) FROM (SELECT t::text FROM {destinationTable} t EXCEPT ALL SELECT t::text FROM {sourceTable} t) d"));

    /// <summary>Each column's name and <c>format_type</c>, in order.</summary>
    public Task<List<string>> ColumnTypesAsync(string schema, string table) => ColumnAsync(
        $"""
        SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{schema}' AND c.relname = '{table.Replace("'", "''")}' AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """);

    public async Task<bool> TableExistsAsync(string qualified) => await ScalarAsync<bool>($"SELECT to_regclass('{qualified.Replace("'", "''")}') IS NOT NULL");

    public object SourceConfig(bool strictTypes = false) => pipeline.Config(Name, "src", strictTypes: strictTypes);

    public object DestinationConfig() => pipeline.Config(Name, "dst");

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(pipeline.Server.ConnectionString(Name));
        await connection.OpenAsync();
        return connection;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresPipeline>
{
    public const string Name = "postgres";
}

[CollectionDefinition(Name)]
public sealed class TlsPostgresCollection : ICollectionFixture<TlsPostgresPipeline>
{
    public const string Name = "postgres-tls";
}
