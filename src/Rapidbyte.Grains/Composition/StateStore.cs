using Azure.Core;
using Azure.Identity;
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
    private readonly TokenCredential? _entra;

    public StateStore(IOptions<RapidbyteOptions> options)
    {
        _options = options.Value.State;
        // DefaultAzureCredential: the managed identity in Azure (AZURE_CLIENT_ID names a
        // user-assigned one), a developer's az/azd sign-in elsewhere.
        _entra = _options.Authentication == StateAuthentication.Entra ? new DefaultAzureCredential() : null;
        DataSource = StateSchema.CreateDataSource(_options.ConnectionString, _options.Schema, _entra);
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Where the state lives, for messages: host, port, database and user, never the password.</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        var signIn = _entra is null ? "" : " (signed in with Microsoft Entra)";
        return $"{builder.Host}:{builder.Port}, database {builder.Database ?? builder.Username}, user {builder.Username}{signIn}, schema {_options.Schema}";
    }

    /// <summary>Creates the state schema if missing (once per process and database).</summary>
    /// <exception cref="StateDatabaseException">The database cannot be reached or used; says where it is, never the password.</exception>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StateSchema.EnsureOnceAsync(_options.ConnectionString, _options.Schema, cancellationToken, _entra).ConfigureAwait(false);
        }
        // IOException: a file the connection string names (a pgpass file, a certificate) is not there.
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            throw new StateDatabaseException(
                $"the state database at {Describe()} cannot be used: {Reason(e)}", e);
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

    // Npgsql wraps a failed token request in a message of its own; the credential's says what to fix.
    private static string Reason(Exception e) =>
        e.InnerException is AuthenticationFailedException or CredentialUnavailableException
            ? $"no Microsoft Entra token: {e.InnerException.Message}"
            : e.Message;
}
