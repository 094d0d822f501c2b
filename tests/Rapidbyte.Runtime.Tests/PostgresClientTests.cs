using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Runtime.Tests;

/// <summary>tokio-postgres inside the sandbox, over host sockets, against a real PostgreSQL with SCRAM.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class PostgresClientTests(RuntimeFixture fixture, PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private PostgresServer Server => postgres.Server;

    [Fact]
    public async Task A_guest_logs_in_with_scram_and_queries_over_host_sockets()
    {
        using var instance = Instance();

        var summary = await TestConnectorRuns.ReadAsync(instance, Config(Server.Password, "SELECT g FROM generate_series(1, 5000) AS g"));

        Assert.Equal(5000, summary.Rows);
    }

    [Fact]
    public async Task A_wrong_password_is_an_auth_error_with_the_servers_message()
    {
        using var instance = Instance();

        var error = await Assert.ThrowsAsync<ConnectorException>(() => TestConnectorRuns.ReadAsync(instance, Config("not-the-password", "SELECT 1")));

        Assert.Equal(ErrorCategory.Auth, error.Error.Category);
        Assert.Contains("password authentication failed", error.Message);
        Assert.False(error.Error.Retryable);
    }

    [Fact]
    public async Task A_server_error_is_a_data_error_with_the_servers_message()
    {
        using var instance = Instance();

        var error = await Assert.ThrowsAsync<ConnectorException>(() => TestConnectorRuns.ReadAsync(instance, Config(Server.Password, "SELECT * FROM no_such_table")));

        Assert.Contains("no_such_table", error.Message);
    }

    private ConnectorInstance Instance() =>
        fixture.Runtime.CreateInstance(fixture.TestConnector,
            new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"{Server.Host}:{Server.Port}") });

    private object Config(string password, string sql) => new
    {
        scenario = "pg_query",
        host = Server.Host,
        port = Server.Port,
        user = PostgresServer.User,
        password,
        database = "postgres",
        sql,
    };
}
