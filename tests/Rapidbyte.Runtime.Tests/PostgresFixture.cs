using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Runtime.Tests;

/// <summary>A real PostgreSQL server for the tests of a class, started once.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
