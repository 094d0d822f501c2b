using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.Composition;

/// <summary>Where the silo keeps cluster membership, grain state and reminders (settings <c>Rapidbyte:State:*</c>).</summary>
public sealed class StateOptions
{
    /// <summary>
    /// The kind of store: <see cref="StateBackend.Postgres"/> (the one a cluster can share), or
    /// <see cref="StateBackend.Sqlite"/>, a local file for a single local silo (the CLI's).
    /// </summary>
    public StateBackend Backend { get; set; } = StateBackend.Postgres;

    /// <summary>An Npgsql connection string of the state database; for <see cref="StateBackend.Sqlite"/> the file's path. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The schema the state tables live in; created at start if missing.</summary>
    public string Schema { get; set; } = State.StateSchema.DefaultSchema;

    /// <summary>
    /// How the silo signs in to a PostgreSQL state database: with the connection string's
    /// password (<see cref="StateAuthentication.Password"/>, the default), or with a Microsoft
    /// Entra token (<see cref="StateAuthentication.Entra"/>), as Azure Database for PostgreSQL
    /// takes from a managed identity, so no password is kept in any setting.
    /// </summary>
    public StateAuthentication Authentication { get; set; } = StateAuthentication.Password;
}

/// <summary>How a silo signs in to its PostgreSQL state database (<c>Rapidbyte:State:Authentication</c>).</summary>
public enum StateAuthentication
{
    /// <summary>The user and password of the connection string (or Npgsql's own sources: a pgpass file, <c>PGPASSWORD</c>).</summary>
    Password,

    /// <summary>
    /// A Microsoft Entra access token for Azure Database for PostgreSQL, from Azure.Identity's
    /// <c>DefaultAzureCredential</c> (in Azure: the managed identity named by <c>AZURE_CLIENT_ID</c>),
    /// used as the password and renewed before it expires. The connection string's user is the
    /// identity's PostgreSQL role name and holds no password.
    /// </summary>
    Entra,
}
