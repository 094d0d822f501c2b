using System.Text.Json;
using Npgsql;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Identity;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Silos;
using Rapidbyte.Testing.Telemetry;

namespace Rapidbyte.Silo.Tests;

/// <summary>The silo host as its operator meets it: real processes, a real PostgreSQL, settings in the environment.</summary>
public sealed class SiloHostTests : IAsyncLifetime
{
    private const string StateDatabase = "state";

    private PipelineDatabases _databases = null!;

    private string StateConnection => _databases.Server.ConnectionString(StateDatabase);

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.Server.ExecuteAsync($"CREATE DATABASE {StateDatabase}");
    }

    public async Task DisposeAsync() => await _databases.DisposeAsync();

    [Fact]
    public async Task A_wrong_state_database_password_stops_the_silo_at_once_naming_the_setting()
    {
        const string WrongPassword = "not-the-password-5f2a";
        var wrong = new NpgsqlConnectionStringBuilder(StateConnection) { Password = WrongPassword }.ConnectionString;

        await using var silo = SiloProcess.Start(wrong);

        Assert.Equal(1, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("rapidbyte-silo did not start: Rapidbyte:State:ConnectionString: the state database at 127.0.0.1:", silo.Output);
        Assert.Contains("password authentication failed for user \"postgres\"", silo.Output);
        Assert.DoesNotContain(WrongPassword, silo.Output);
    }

    [Fact]
    public async Task A_state_connection_string_in_libpq_form_stops_the_silo_without_its_password()
    {
        var libpq = $"host=127.0.0.1 port={_databases.Server.Port} user=postgres password={_databases.Server.Password} dbname=state";

        await using var silo = SiloProcess.Start(libpq);

        Assert.Equal(1, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Rapidbyte:State:ConnectionString is not an Npgsql connection string (its host holds spaces or '='): write it as Key=Value pairs separated by ';'", silo.Output);
        Assert.DoesNotContain(_databases.Server.Password, silo.Output);
    }

    [Fact]
    public async Task A_state_database_sign_in_that_cannot_be_made_stops_the_silo_saying_why()
    {
        var none = new NpgsqlConnectionStringBuilder(StateConnection) { Password = null }.ConnectionString;
        var missingFile = Path.Combine(Path.GetTempPath(), $"rapidbyte-no-such-{Guid.NewGuid():N}.pgpass");

        await using var noPassword = SiloProcess.Start(none, settings: new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["PGPASSFILE"] = null });
        await using var noPassfile = SiloProcess.Start(none, settings: new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["PGPASSFILE"] = missingFile });

        foreach (var (silo, reason) in new[] { (noPassword, "No password has been provided"), (noPassfile, $"Could not find file '{missingFile}'") })
        {
            var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(exitCode == 1, $"exit code {exitCode}:\n{silo.Output}");
            Assert.Contains("rapidbyte-silo did not start: Rapidbyte:State:ConnectionString: the state database at 127.0.0.1:", silo.Output);
            Assert.Contains(reason, silo.Output);
        }
    }

    [Fact]
    public async Task An_unknown_or_malformed_setting_stops_the_silo_at_once_naming_it()
    {
        await using var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["Rapidbyte__Engine__MaxRetrys"] = "5",
            ["Rapidbyte__Cluster__AdvertisedAddress"] = "silo-one",
            ["Rapidbyte__Engine__Registry__ServiceUri"] = "http://registry.example",
            ["Rapidbyte__Engine__Registry__Container"] = "Connectors",
        });

        Assert.Equal(1, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Rapidbyte:Engine:Registry:ServiceUri must be an https:// URI of a Blob service", silo.Output);
        Assert.Contains("Rapidbyte:Engine:Registry:Container must be a Blob container name", silo.Output);
        Assert.Contains("Rapidbyte:Engine:MaxRetrys is not a setting; the settings under Rapidbyte:Engine are ConnectorsDirectory, CompiledCacheDirectory, MaxRetries,", silo.Output);
        Assert.Contains("Rapidbyte:Cluster:AdvertisedAddress must be an IP address", silo.Output);
        Assert.Equal(0L, await _databases.ScalarAsync<long>(StateDatabase, "SELECT count(*) FROM pg_namespace WHERE nspname = 'rapidbyte_state'"));
    }

    [Fact]
    public async Task An_api_without_a_token_issuer_or_open_beyond_loopback_without_tokens_stops_the_silo_naming_the_setting()
    {
        await using var noIssuer = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["Rapidbyte__Api__Authentication__Mode"] = null, // the default: tokens
            ["Rapidbyte__Api__RateLimits__Burst"] = "10",
        });
        var port = Testing.Servers.LoopbackPorts.Unused();
        await using var open = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}",
        });

        Assert.Equal(1, await noIssuer.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Rapidbyte:Api:Authentication:Authority is not set to the OpenID Connect issuer whose tokens the API takes", noIssuer.Output);
        Assert.Contains("Rapidbyte:Api:Authentication:Audience is not set", noIssuer.Output);
        Assert.Contains("Rapidbyte:Api:RateLimits is not a setting; the settings under Rapidbyte:Api are Authentication, RateLimit, MaxRequestBytes", noIssuer.Output);
        Assert.Equal(1, await open.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Rapidbyte:Api:Authentication:Mode Development lets every caller in without a token, so the silo must listen on loopback only, but ASPNETCORE_URLS (or Kestrel's endpoints) has http://0.0.0.0:{port}", open.Output);
    }

    [Fact]
    public async Task A_silo_signs_in_to_its_state_database_with_an_entra_token_from_its_managed_identity()
    {
        // As in Azure: the role is the identity's, the silo's settings hold no password, and the
        // server takes the token the container's identity endpoint hands out as the password.
        await using var identity = await ManagedIdentityEndpoint.StartAsync();
        await _databases.Server.ExecuteAsync($"CREATE ROLE rapidbyte_silo LOGIN PASSWORD '{identity.Token}'; GRANT CONNECT, CREATE ON DATABASE {StateDatabase} TO rapidbyte_silo");
        var signIn = new NpgsqlConnectionStringBuilder(StateConnection) { Username = "rapidbyte_silo", Password = null }.ConnectionString;
        var settings = new Dictionary<string, string?>(identity.Environment) { ["Rapidbyte__State__Authentication"] = "Entra", ["PGPASSWORD"] = null, ["PGPASSFILE"] = null };

        await using var silo = SiloProcess.Start(signIn, settings: settings);
        await silo.WaitReadyAsync();

        var request = Assert.Single(identity.Requests.DistinctBy(r => (r.ApiVersion, r.Resource, r.ClientId, r.HeaderMatched)));
        Assert.Equal(new TokenRequest("2019-08-01", "https://ossrdbms-aad.database.windows.net", identity.ClientId, HeaderMatched: true), request);
        Assert.Equal("rapidbyte_silo", await _databases.ScalarAsync<string>(StateDatabase,
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'rapidbyte_state'"));
        Assert.Equal(1L, await _databases.ScalarAsync<long>(StateDatabase,
            "SELECT count(*) FROM rapidbyte_state.membership WHERE deployment_id = 'tests' AND status = 3"));
        Assert.DoesNotContain(identity.Token!, silo.Output);
    }

    [Fact]
    public async Task A_silo_whose_identity_gets_no_token_or_that_is_given_a_password_as_well_stops_saying_why()
    {
        await using var identity = await ManagedIdentityEndpoint.StartAsync();
        identity.Token = null; // Azure's answer for an identity the container does not have
        var signIn = new NpgsqlConnectionStringBuilder(StateConnection) { Username = "rapidbyte_silo", Password = null }.ConnectionString;
        var entra = new Dictionary<string, string?>(identity.Environment) { ["Rapidbyte__State__Authentication"] = "Entra" };

        await using var noToken = SiloProcess.Start(signIn, settings: entra);
        await using var passwordToo = SiloProcess.Start(StateConnection, settings: entra);

        Assert.Equal(1, await noToken.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains("rapidbyte-silo did not start: Rapidbyte:State:ConnectionString: the state database at 127.0.0.1:", noToken.Output);
        Assert.Contains("user rapidbyte_silo (signed in with Microsoft Entra)", noToken.Output);
        Assert.Contains("cannot be used: no Microsoft Entra token: ", noToken.Output);
        Assert.Contains("ManagedIdentityCredential", noToken.Output);
        Assert.NotEmpty(identity.Requests);
        Assert.Equal(1, await passwordToo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Rapidbyte:State:ConnectionString gives a password while Rapidbyte:State:Authentication is Entra, which signs in with a token: remove the password", passwordToo.Output);
        Assert.DoesNotContain(_databases.Server.Password, passwordToo.Output);
    }

    [Fact]
    public async Task A_silo_sends_its_requests_and_logs_to_application_insights_but_not_its_probes()
    {
        await using var ingestion = await TelemetryIngestion.StartAsync();
        await using var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString,
        });
        await silo.WaitReadyAsync();

        Assert.Equal(200, await silo.StatusOfAsync("/v1/pipelines"));

        // The exporter sends traces and logs every few seconds.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(RequestsTo("/v1/pipelines").Any() && ingestion.OfType("MessageData").Any()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        var requests = RequestsTo("/v1/pipelines").ToList();
        Assert.True(requests.Count == 1, "received: " + string.Join(", ", ingestion.Items.Select(i => i.GetProperty("name").GetString())));
        var request = requests[0];
        Assert.Equal("200", request.GetProperty("responseCode").GetString());
        Assert.Contains(ingestion.OfType("MessageData"), item => item.GetProperty("data").GetProperty("baseData").GetProperty("message").GetString()!.StartsWith("Now listening on: ", StringComparison.Ordinal));
        Assert.All(ingestion.Items, item => Assert.Equal(ingestion.InstrumentationKey, item.GetProperty("iKey").GetString()));
        Assert.Empty(RequestsTo("/health"));
        Assert.DoesNotContain(ingestion.InstrumentationKey, silo.Output);

        IEnumerable<JsonElement> RequestsTo(string path) => ingestion.OfType("RequestData")
            .Select(item => item.GetProperty("data").GetProperty("baseData"))
            .Where(data => new Uri(data.GetProperty("url").GetString()!).AbsolutePath.StartsWith(path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clustered_silo_refuses_the_sqlite_state_backend_saying_why()
    {
        var file = Path.Combine(Path.GetTempPath(), $"rapidbyte-silo-{Guid.NewGuid():N}.db");
        await using var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["Rapidbyte__State__Backend"] = "Sqlite",
            ["Rapidbyte__State__ConnectionString"] = file,
        });

        Assert.Equal(1, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Rapidbyte:State:Backend Sqlite keeps state in one local file, which the silos of a cluster cannot share: use Postgres", silo.Output);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Live_answers_while_the_state_database_is_down_and_ready_does_not()
    {
        await using var silo = SiloProcess.Start(StateConnection);
        await silo.WaitReadyAsync();

        await _databases.Server.StopAsync();
        try
        {
            Assert.Equal(503, await EventuallyAsync(() => silo.StatusOfAsync("/health/ready"), 503));
            Assert.Equal(200, await silo.StatusOfAsync("/health/live"));
        }
        finally
        {
            await _databases.Server.RestartAsync();
        }
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(30));
        Assert.False(silo.HasExited);
    }

    [Fact]
    public async Task Three_silo_processes_form_one_cluster_that_runs_a_pipeline_for_a_client()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 5000) g");
        await using var first = SiloProcess.Start(StateConnection);
        await using var second = SiloProcess.Start(StateConnection);
        await using var third = SiloProcess.Start(StateConnection);
        await Task.WhenAll(first.WaitReadyAsync(), second.WaitReadyAsync(), third.WaitReadyAsync());
        Assert.Equal(3L, await _databases.ScalarAsync<long>(StateDatabase,
            "SELECT count(*) FROM rapidbyte_state.membership WHERE deployment_id = 'tests' AND status = 3 AND address = '127.0.0.1'"));

        await using var client = await ClusterClient.ConnectAsync(StateConnection);
        var run = await RunAsync(client, "items", _databases.PipelineYaml("items", "- {name: items, sync_mode: full_refresh}"));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(5000, run.Streams.Single().RowsWritten);
        Assert.Equal(0L, await _databases.DifferenceAsync("items", "items"));
    }

    [Fact]
    public async Task Its_connectors_never_reach_the_silos_own_http_port_nor_a_network_its_operator_denies()
    {
        await using var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            ["Rapidbyte__Egress__DeniedCidrs__0"] = "127.0.0.0/8",
            ["Rapidbyte__Egress__DeniedCidrs__1"] = "::1/128",
        });
        await silo.WaitReadyAsync();
        await using var client = await ClusterClient.ConnectAsync(StateConnection);
        var yaml = _databases.PipelineYaml("egress", "- {name: items, sync_mode: full_refresh}");

        var http = await RunAsync(client, "http", yaml.Replace($"port: {_databases.Server.Port},", $"port: {silo.HttpPort},", StringComparison.Ordinal).Replace("pipeline: egress", "pipeline: http", StringComparison.Ordinal));
        var denied = await RunAsync(client, "denied", yaml.Replace("host: 127.0.0.1,", "host: localhost,", StringComparison.Ordinal).Replace("pipeline: egress", "pipeline: denied", StringComparison.Ordinal));

        Assert.Equal(RunStatus.Failed, http.Status);
        Assert.Contains($"connecting to 127.0.0.1:{silo.HttpPort} is refused by the silo's egress policy: it is this silo's own HTTP port (ASPNETCORE_URLS)", http.Streams.Single().Error);
        Assert.Equal(RunStatus.Failed, denied.Status);
        Assert.Matches($@"connecting to localhost:{_databases.Server.Port} \((127\.0\.0\.1|::1)\) is refused by the silo's egress policy: (127\.0\.0\.0/8|::1/128) is denied \(Rapidbyte:Egress:DeniedCidrs\)", denied.Streams.Single().Error);
    }

    private static async Task<PipelineRunReport> RunAsync(ClusterClient client, string name, string yaml)
    {
        var pipeline = client.Grains.GetGrain<IPipelineGrain>(name);
        var run = await pipeline.StartRunAsync(new PipelineDefinition(yaml, $"{name}.yaml", new Dictionary<string, string>()), null);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!run.Status.IsFinished() && DateTime.UtcNow < deadline)
        {
            run = await pipeline.WaitForRunAsync(run.RunId, TimeSpan.FromSeconds(5)) ?? throw new InvalidOperationException("the run vanished");
        }
        return run;
    }

    private static async Task<int?> EventuallyAsync(Func<Task<int?>> probe, int wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        int? last;
        while ((last = await probe()) != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        return last;
    }
}
