using Microsoft.Extensions.Options;
using Npgsql;
using Rapidbyte.Grains.State;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// The silo's connections to its state database: one data source that membership, grain
/// storage and reminders share, working in the configured schema.
/// </summary>
public sealed class StateStore : IAsyncDisposable
{
    private readonly StateOptions _options;

    public StateStore(IOptions<RapidbyteOptions> options)
    {
        _options = options.Value.State;
        DataSource = StateSchema.CreateDataSource(_options.ConnectionString, _options.Schema);
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Where the state lives, for messages: host, port, database and user, never the password.</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        return $"{builder.Host}:{builder.Port}, database {builder.Database ?? builder.Username}, user {builder.Username}, schema {_options.Schema}";
    }

    /// <summary>Creates the state schema if missing (once per process and database).</summary>
    /// <exception cref="StateDatabaseException">The database cannot be reached or used; says where it is, never the password.</exception>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StateSchema.EnsureOnceAsync(_options.ConnectionString, _options.Schema, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new StateDatabaseException(
                $"the state database at {Describe()} cannot be used: {e.Message}", e);
        }
    }

    /// <summary>Whether the database answers now (readiness).</summary>
    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = DataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
