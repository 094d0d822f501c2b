using Rapidbyte.Pipelines.Spec;
using System.Collections.Concurrent;
using Azure.Core;
using Npgsql;

namespace Rapidbyte.Grains.State;

/// <summary>
/// Creates (idempotently) the tables and queries Orleans keeps its state, reminders and
/// cluster membership in, in a schema of their own — by default inside the destination database, so a user needs no extra server.
/// </summary>
public static class StateSchema
{
    /// <summary>The schema state lives in unless a pipeline says otherwise.</summary>
    public const string DefaultSchema = "rapidbyte_state";

    // grain-storage.sql first: it creates orleansquery, which the others add their queries to.
    private static readonly string[] Scripts = ["grain-storage.sql", "reminders.sql", "clustering.sql"];

    // Silos starting together must not create the same objects at the same time.
    private const long MigrationLockKey = 0x5241_5049_4442_5954; // "RAPIDBYT"

    private static readonly ConcurrentDictionary<(string ConnectionString, string Schema), Lazy<Task>> Ensured = new();

    /// <summary>
    /// <see cref="EnsureAsync"/> once per process for a database and schema: a host may start
    /// it early (the CLI, while it builds its silo) and the silo's start awaits the same work.
    /// A failed attempt is forgotten, so the next call tries again.
    /// </summary>
    /// <param name="entra">Signs in with Microsoft Entra tokens from this credential instead of a password (<see cref="CreateDataSource"/>).</param>
    public static Task EnsureOnceAsync(string connectionString, string schema = DefaultSchema, CancellationToken cancellationToken = default, TokenCredential? entra = null)
    {
        var key = (connectionString, schema);
        var work = Ensured.GetOrAdd(key, _ => new Lazy<Task>(() => Task.Run(async () =>
        {
            await using var dataSource = CreateDataSource(connectionString, schema, entra);
            await EnsureAsync(dataSource, schema, CancellationToken.None).ConfigureAwait(false);
        })));
        var task = work.Value;
        _ = task.ContinueWith(_ => Ensured.TryRemove(new KeyValuePair<(string, string), Lazy<Task>>(key, work)),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>A data source whose connections work in <paramref name="schema"/>, over verified TLS to a non-loopback host unless the connection string says otherwise (<see cref="StateConnection.WithTlsDefault"/>).</summary>
    /// <param name="entra">
    /// When given, every new connection signs in with a Microsoft Entra access token for Azure
    /// Database for PostgreSQL from this credential as its password (<see cref="EntraSignIn"/>).
    /// </param>
    public static NpgsqlDataSource CreateDataSource(string connectionString, string schema = DefaultSchema, TokenCredential? entra = null)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(StateConnection.WithTlsDefault(connectionString)) { SearchPath = schema }.ConnectionString);
        // The state tables use built-in types only, so the catalog of the database's types
        // (a query and its parsing at the first connection of every process) is not loaded.
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        if (entra is not null)
        {
            builder.UseEntraSignIn(entra);
        }
        return builder.Build();
    }

    /// <summary>
    /// Creates the schema, tables and Orleans queries (grain storage, reminders, clustering) if
    /// missing, all in one transaction; safe to run at every start.
    /// </summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, string schema = DefaultSchema, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({MigrationLockKey}); CREATE SCHEMA IF NOT EXISTS \"{schema.Replace("\"", "\"\"")}\"", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var script in Scripts)
        {
            await using var command = new NpgsqlCommand(await ScriptAsync(script).ConfigureAwait(false), connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> ScriptAsync(string name)
    {
        var resource = typeof(StateSchema).Assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        await using var stream = typeof(StateSchema).Assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().ConfigureAwait(false);
    }
}
