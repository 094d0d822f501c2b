using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace Rapidbyte.Grains.State;

/// <summary>
/// Grain state in one local SQLite file (<c>state.backend: sqlite</c>): the CLI's state with
/// no server to set up. One row per grain and state, written with the Orleans serializer (as
/// the PostgreSQL store does) and guarded by a version number that serves as the ETag, so two
/// CLI processes sharing the file see each other's writes conflict exactly as they would in
/// PostgreSQL. Only a single local silo may use it: a cluster needs a shared store.
/// </summary>
public sealed class SqliteGrainStorage(string path, string serviceId, IGrainStorageSerializer serializer) : IGrainStorage
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS grain_state (
            service_id TEXT NOT NULL,
            state_name TEXT NOT NULL,
            grain_id   TEXT NOT NULL,
            payload    BLOB,
            version    INTEGER NOT NULL,
            modified   TEXT NOT NULL,
            PRIMARY KEY (service_id, state_name, grain_id)
        );
        """;

    // Writers wait for each other (up to this) instead of failing with SQLITE_BUSY.
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ToString();

    /// <summary>Creates the file (and its directory) and the table if missing.</summary>
    public static async Task EnsureAsync(string path, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Schema;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, "SELECT payload, version FROM grain_state WHERE service_id = $service AND state_name = $state AND grain_id = $grain", stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync())
        {
            grainState.ETag = reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!reader.IsDBNull(0))
            {
                grainState.State = serializer.Deserialize<T>(new BinaryData((byte[])reader.GetValue(0)));
                grainState.RecordExists = true;
                return;
            }
        }
        else
        {
            grainState.ETag = null;
        }
        grainState.State = Activator.CreateInstance<T>();
        grainState.RecordExists = false;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StoreAsync(stateName, grainId, grainState, serializer.Serialize(grainState.State).ToArray());

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // The row stays, without a payload, so its version goes on and stale writers still conflict.
        await StoreAsync(stateName, grainId, grainState, payload: null);
        grainState.State = Activator.CreateInstance<T>();
        grainState.RecordExists = false;
    }

    // Inserts (no ETag yet) or updates the row at the version the grain last read; anything
    // else means another writer got there first.
    private async Task StoreAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, byte[]? payload)
    {
        await using var connection = await OpenAsync();
        var sql = grainState.ETag is null
            ? "INSERT INTO grain_state (service_id, state_name, grain_id, payload, version, modified) VALUES ($service, $state, $grain, $payload, 1, $now) ON CONFLICT DO NOTHING RETURNING version"
            : "UPDATE grain_state SET payload = $payload, version = version + 1, modified = $now WHERE service_id = $service AND state_name = $state AND grain_id = $grain AND version = $version RETURNING version";
        await using var command = Command(connection, sql, stateName, grainId);
        command.Parameters.AddWithValue("$payload", (object?)payload ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
        if (grainState.ETag is { } etag)
        {
            command.Parameters.AddWithValue("$version", long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture));
        }
        if (await command.ExecuteScalarAsync() is not long version)
        {
            throw new InconsistentStateException($"the state {stateName} of {grainId} was written by someone else since it was read", grainState.ETag ?? "(none)", "(newer)");
        }
        grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = payload is not null;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private SqliteCommand Command(SqliteConnection connection, string sql, string stateName, GrainId grainId)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$service", serviceId);
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        return command;
    }
}
