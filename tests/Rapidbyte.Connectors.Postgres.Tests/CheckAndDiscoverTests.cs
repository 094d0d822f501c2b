using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary><c>check</c> and <c>discover</c> of both connectors against a real server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CheckAndDiscoverTests(PostgresPipeline pipeline)
{
    [Theory]
    [InlineData("source-postgres")]
    [InlineData("dest-postgres")]
    public async Task Check_succeeds_with_good_credentials(string connector)
    {
        var db = await pipeline.CreateDatabaseAsync();
        using var instance = Instance(connector);

        var result = await instance.CheckAsync(Json(pipeline.Config(db.Name, "src")));

        Assert.True(result.Ok, result.Message);
    }

    [Theory]
    [InlineData("source-postgres")]
    [InlineData("dest-postgres")]
    public async Task Check_tells_a_wrong_password_from_an_unreachable_server(string connector)
    {
        var db = await pipeline.CreateDatabaseAsync();
        var closed = LoopbackPorts.Unused();

        var auth = await Assert.ThrowsAsync<ConnectorException>(async () =>
        {
            using var instance = Instance(connector);
            await instance.CheckAsync(Json(pipeline.Config(db.Name, "src", password: "wrong")));
        });
        var network = await Assert.ThrowsAsync<ConnectorException>(async () =>
        {
            using var instance = Instance(connector, closed);
            await instance.CheckAsync(Json(pipeline.Config(db.Name, "src", port: closed)));
        });

        Assert.Equal(ErrorCategory.Auth, auth.Error.Category);
        Assert.Contains("password authentication failed", auth.Message);
        Assert.Equal(ErrorCategory.Network, network.Error.Category);
        Assert.True(network.Error.Retryable);
    }

    [Fact]
    public async Task A_missing_database_is_a_config_error()
    {
        using var instance = Instance("source-postgres");

        var error = await Assert.ThrowsAsync<ConnectorException>(() => instance.CheckAsync(Json(pipeline.Config("no_such_database", "src"))));

        Assert.Equal(ErrorCategory.Config, error.Error.Category);
        Assert.Contains("no_such_database", error.Message);
    }

    [Fact]
    public async Task Discover_lists_tables_and_views_with_columns_types_nullability_and_keys()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.orders (id int8, customer text NOT NULL, amount numeric(12, 2), placed_at timestamptz, PRIMARY KEY (id));
            CREATE VIEW src.big_orders AS SELECT id, amount FROM src.orders WHERE amount > 100;
            CREATE TABLE dst.not_listed (id int);
            """);
        using var instance = Instance("source-postgres");

        var streams = await instance.DiscoverAsync(Json(db.SourceConfig()));

        Assert.Equal(["big_orders", "orders"], streams.Select(s => s.Name).Order());
        var orders = streams.Single(s => s.Name == "orders");
        Assert.Equal(["id"], orders.PrimaryKey);
        Assert.Equal(
            [("id", "bigint", false), ("customer", "text", false), ("amount", "numeric(12,2)", true), ("placed_at", "timestamp with time zone", true)],
            orders.Columns.Select(c => (c.Name, c.NativeType, c.Nullable)));
        Assert.Contains("decimal128(12", orders.Columns.Single(c => c.Name == "amount").ArrowType);
        Assert.Empty(streams.Single(s => s.Name == "big_orders").PrimaryKey);
    }

    private ConnectorInstance Instance(string connector, int? extraPort = null) =>
        pipeline.Runtime.CreateInstance(pipeline.Runtime.LoadModuleFile(RepositoryPaths.Connector(connector)),
            new ConnectorInstanceOptions
            {
                Network = NetworkPolicy.Allow([$"{pipeline.Server.Host}:{pipeline.Server.Port}", .. extraPort is { } port ? [$"{pipeline.Server.Host}:{port}"] : Array.Empty<string>()]),
            });

    private static JsonElement Json(object config) => JsonSerializer.SerializeToElement(config);
}
