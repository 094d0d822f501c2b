using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rapidbyte.Client;
using Rapidbyte.Testing.Identity;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Postgres;
using Rapidbyte.Testing.Silos;

namespace Rapidbyte.Api.Tests;

/// <summary>
/// Two silo processes of one cluster, each serving the API, taking tokens of a loopback
/// OpenID Connect issuer; a PostgreSQL server with the source and destination databases, and
/// another with the state database, as in production: out of development mode a silo's
/// connectors never reach its state database (README "Egress policy"), and its operator allows
/// them the data servers' network (here 127.0.0.1).
/// </summary>
public sealed class ApiCluster : IAsyncLifetime
{
    public const string PasswordVariable = "RAPIDBYTE_TEST_PASSWORD";
    public const string Reader = "Rapidbyte.Reader";
    public const string Operator = "Rapidbyte.Operator";
    public const string Admin = "Rapidbyte.Admin";
    private const string StateDatabase = "state";

    private readonly List<ServiceProvider> _providers = [];

    public PipelineDatabases Databases { get; private set; } = null!;

    public TokenIssuer Issuer { get; private set; } = null!;

    public List<SiloProcess> Silos { get; } = [];

    public PostgresServer StateServer { get; private set; } = null!;

    public string StateConnection => StateServer.ConnectionString(StateDatabase);

    public async Task InitializeAsync()
    {
        var (databases, stateServer) = (PipelineDatabases.StartAsync(), PostgresServer.StartAsync());
        (Databases, StateServer) = (await databases, await stateServer);
        await StateServer.ExecuteAsync($"CREATE DATABASE {StateDatabase}");
        await Databases.ExecuteAsync(PipelineDatabases.Source,
            PipelineDatabases.SlowEventsSql + """
            CREATE VIEW slow_events AS SELECT * FROM events WHERE pace(id);
            CREATE TABLE items (id bigint PRIMARY KEY, name text, updated_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO items (id, name) SELECT g, 'item ' || g FROM generate_series(1, 1000) g;
            """);
        Issuer = await TokenIssuer.StartAsync();
        StartSilo();
        StartSilo();
        await Task.WhenAll(Silos.Select(s => s.WaitReadyAsync()));
    }

    public SiloProcess StartSilo()
    {
        var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["Rapidbyte__Api__Authentication__Mode"] = "Jwt",
            ["Rapidbyte__Api__Authentication__Authority"] = Issuer.Authority,
            ["Rapidbyte__Api__Authentication__Audience"] = TokenIssuer.Audience,
            // A run whose pipeline's silo is lost is taken over sooner than in production.
            ["Rapidbyte__Engine__RunLeaseTimeout"] = "00:00:08",
            ["Rapidbyte__Engine__RunCheckInterval"] = "00:00:04",
            ["Rapidbyte__Egress__AllowedCidrs__0"] = "127.0.0.1/32",
            [PasswordVariable] = Databases.Server.Password,
        });
        Silos.Add(silo);
        return silo;
    }

    /// <summary>The pipeline's YAML as a user registers it: the password a <c>${NAME}</c> reference.</summary>
    public string Yaml(string name, string streams, string writeMode = "append", string? primaryKey = null, string resources = "") =>
        Databases.PipelineYaml(name, streams, writeMode, primaryKey, resources: resources)
            .Replace(Databases.Server.Password, "${" + PasswordVariable + "}", StringComparison.Ordinal);

    /// <summary>A client as a service would compose it (dependency injection), calling as <paramref name="subject"/> in <paramref name="roles"/>.</summary>
    public IRapidbyteClient Client(string subject, params string[] roles) => Client(subject, Silos.Where(s => !s.HasExited), roles);

    public IRapidbyteClient Client(string subject, IEnumerable<SiloProcess> silos, params string[] roles)
    {
        var services = new ServiceCollection();
        services.AddRapidbyteClient(options =>
        {
            foreach (var silo in silos)
            {
                options.Endpoints.Add(new Uri($"http://127.0.0.1:{silo.HttpPort}/"));
            }
            options.AccessToken = Issuer.Issue(subject, roles);
        });
        var provider = services.BuildServiceProvider();
        lock (_providers)
        {
            _providers.Add(provider);
        }
        return provider.GetRequiredService<IRapidbyteClient>();
    }

    /// <summary>One value a query of the state database answers.</summary>
    public async Task<T> StateScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(StateConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Plain HTTP to the first silo, with <paramref name="token"/> if given.</summary>
    public HttpClient Http(string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Silos.First(s => !s.HasExited).HttpPort}/") };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
        await Issuer.DisposeAsync();
        await Databases.DisposeAsync();
        await StateServer.DisposeAsync();
    }
}
