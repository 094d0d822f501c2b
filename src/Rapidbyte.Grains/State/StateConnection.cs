using System.Globalization;
using System.Text.Json;
using Npgsql;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.State;

/// <summary>Where a pipeline's state (cursors, run history) is kept.</summary>
public static class StateConnection
{
    /// <summary>
    /// <c>state.connection</c> when the pipeline gives one; else the destination's database,
    /// read from its connector config (<c>host</c>, <c>port</c>, <c>user</c>, <c>password</c>,
    /// <c>database</c>), so a user needs no extra server. State lives in
    /// <see cref="StateSchema.DefaultSchema"/> there, apart from the data.
    /// </summary>
    /// <exception cref="ArgumentException">Neither says where a PostgreSQL database is.</exception>
    public static string ConnectionString(PipelineSpec spec)
    {
        if (spec.State.Backend != StateBackend.Postgres)
        {
            throw new ArgumentException(
                $"pipeline {spec.Name}: state.backend {spec.State.Backend.ToString().ToLowerInvariant()} is not available in this version; " +
                "remove state: to keep state in the destination database, or set state.backend: postgres with state.connection");
        }
        if (spec.State.Connection is { } explicitConnection)
        {
            return explicitConnection;
        }
        var config = spec.Destination.Config;
        string? Text(string key) => config.ValueKind == JsonValueKind.Object && config.TryGetProperty(key, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;
        var host = Text("host");
        var database = Text("database");
        if (host is null || database is null)
        {
            throw new ArgumentException(
                $"pipeline {spec.Name}: state.connection is not set and the destination ({spec.Destination.Use}) names no PostgreSQL host and database to keep state in; set state.connection");
        }
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Database = database,
            Username = Text("user"),
            Password = Text("password"),
            ApplicationName = "rapidbyte-state",
        };
        if (Text("port") is { } port)
        {
            builder.Port = int.Parse(port, CultureInfo.InvariantCulture);
        }
        return builder.ConnectionString;
    }
}
