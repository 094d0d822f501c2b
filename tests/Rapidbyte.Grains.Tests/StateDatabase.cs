using Npgsql;
using Rapidbyte.Grains.State;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Grains.Tests;

/// <summary>A real PostgreSQL of the test's own and a data source on the state schema.</summary>
internal sealed class StateDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;

    private StateDatabase(PostgresServer server)
    {
        _server = server;
        DataSource = StateSchema.CreateDataSource(server.ConnectionString());
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString => _server.ConnectionString();

    /// <summary>The server (for one that takes TLS only: its certificates).</summary>
    public PostgresServer Server => _server;

    /// <param name="createSchema">Whether to create the state schema now (a test of the schema itself does it).</param>
    /// <param name="tls">Whether the server accepts TLS connections only (<see cref="PostgresServer.StartWithTlsAsync"/>); the connection string then verifies its certificate.</param>
    public static async Task<StateDatabase> StartAsync(bool createSchema = true, bool tls = false)
    {
        var database = new StateDatabase(tls ? await PostgresServer.StartWithTlsAsync() : await PostgresServer.StartAsync());
        if (createSchema)
        {
            await StateSchema.EnsureAsync(database.DataSource);
        }
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _server.DisposeAsync();
    }
}
