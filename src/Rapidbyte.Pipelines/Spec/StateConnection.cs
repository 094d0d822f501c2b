using System.Globalization;
using System.Text.Json;
using System.Data.Common;
using Npgsql;
using Rapidbyte.Contracts;

namespace Rapidbyte.Pipelines.Spec;

/// <summary>Where a pipeline's state (cursors, run history) is kept.</summary>
public static class StateConnection
{
    /// <summary>
    /// Where <c>state.backend: sqlite</c> keeps state unless <c>state.connection</c> names a file:
    /// <c>$XDG_DATA_HOME/rapidbyte/state.db</c>, else <c>~/.local/share/rapidbyte/state.db</c>.
    /// </summary>
    public static string DefaultSqliteFile => Path.Combine(DataDirectory, "state.db");

    /// <summary>This user's Rapidbyte data: <c>$XDG_DATA_HOME/rapidbyte</c>, else <c>~/.local/share/rapidbyte</c>.</summary>
    public static string DataDirectory =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
            "rapidbyte");

    /// <summary>
    /// For <c>state.backend: sqlite</c>, the state file's path (<see cref="DefaultSqliteFile"/>
    /// unless <c>state.connection</c> names one). For PostgreSQL,
    /// <c>state.connection</c> when the pipeline gives one; else the destination's database,
    /// read from its connector config (<c>host</c>, <c>port</c>, <c>user</c>, <c>password</c>,
    /// <c>database</c>, and TLS as <c>sslmode</c>, <c>sslrootcert</c>, <c>sslcert</c>, <c>sslkey</c>),
    /// so a user needs no extra server. State lives in a schema of its own there
    /// (<c>rapidbyte_state</c>), apart from the data.
    /// </summary>
    /// <exception cref="ArgumentException">Neither says where a PostgreSQL database is.</exception>
    public static string ConnectionString(PipelineSpec spec)
    {
        if (spec.State.Backend == StateBackend.Sqlite)
        {
            return spec.State.Connection ?? DefaultSqliteFile;
        }
        if (spec.State.Connection is { } explicitConnection)
        {
            if (LibpqFormProblem(explicitConnection) is { } problem)
            {
                throw new ArgumentException($"pipeline {spec.Name}: state.connection {problem}");
            }
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
        if (Text("sslmode") is { } sslmode)
        {
            builder.SslMode = sslmode switch
            {
                "disable" => SslMode.Disable,
                "prefer" => SslMode.Prefer,
                "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => throw new ArgumentException(
                    $"pipeline {spec.Name}: the destination's sslmode '{sslmode}' is not one of disable, prefer, require, verify-ca, verify-full"),
            };
        }
        // 'system' (or nothing) is Npgsql's default: the system's certificate store.
        if (Text("sslrootcert") is { } root && root != TlsSettings.SystemStore)
        {
            builder.RootCertificate = root;
        }
        builder.SslCertificate = Text("sslcert");
        builder.SslKey = Text("sslkey");
        return builder.ConnectionString;
    }

    /// <summary>
    /// Why a connection string in libpq's <c>host=h port=p password=s</c> form is refused, or
    /// null. Npgsql reads that whole text as one Host; a connection would try it as a host name
    /// and the error would name it, password and all. The answer quotes nothing of the string.
    /// </summary>
    public static string? LibpqFormProblem(string connectionString)
    {
        string? host;
        try
        {
            host = new NpgsqlConnectionStringBuilder(connectionString).Host;
        }
        catch (ArgumentException)
        {
            return null; // not a connection string at all: the caller's own parse says so
        }
        return host is not null && host.Any(c => char.IsWhiteSpace(c) || c == '=')
            ? "is not an Npgsql connection string (its host holds spaces or '='): write it as Key=Value pairs separated by ';', " +
              "such as Host=db.example.com;Port=5432;Username=rapidbyte;Password=...;Database=state, not libpq's key=value form"
            : null;
    }

    /// <summary>
    /// <paramref name="connectionString"/> with the TLS default the connectors have too: when it
    /// sets no <c>SSL Mode</c> and a host is not loopback (<see cref="NetworkHosts.IsLoopback"/>),
    /// <c>SSL Mode=VerifyFull</c> (Npgsql's own default, Prefer, would accept any certificate).
    /// </summary>
    public static string WithTlsDefault(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var setsMode = given.Keys.Cast<string>().Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals("sslmode", StringComparison.OrdinalIgnoreCase));
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var hosts = (builder.Host ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (setsMode || hosts.All(IsLoopbackHost))
        {
            return connectionString;
        }
        builder.SslMode = SslMode.VerifyFull;
        return builder.ConnectionString;
    }

    // A host of a multi-host string may carry its port: host:port, [v6]:port.
    private static bool IsLoopbackHost(string host)
    {
        var name = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)]
            : host.Count(c => c == ':') == 1 ? host[..host.IndexOf(':')]
            : host;
        return NetworkHosts.IsLoopback(name);
    }

    /// <summary>
    /// Where state is, without credentials, in a form two processes compare to tell whether
    /// they keep it in the same place: <c>postgres://host:port/database</c>, or
    /// <c>sqlite:/full/path</c>.
    /// </summary>
    public static string Identity(StateBackend backend, string connection)
    {
        if (backend == StateBackend.Sqlite)
        {
            return $"sqlite:{Path.GetFullPath(connection)}";
        }
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var host = (builder.Host ?? "").ToLowerInvariant() is "localhost" or "::1" ? "127.0.0.1" : (builder.Host ?? "").ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $"postgres://{host}:{builder.Port}/{builder.Database ?? builder.Username}");
    }
}
