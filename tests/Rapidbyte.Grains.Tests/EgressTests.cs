using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// A silo under its operator's egress policy running pipelines that point where they like: the
/// policy refuses at connect (a config error, not retried) what no pipeline may reach, and lets
/// an allowed network through. The silo's state lives on a PostgreSQL of its own; the
/// pipelines' data on another.
/// </summary>
public sealed class EgressTests : IAsyncLifetime
{
    private StateDatabase _state = null!;
    private PipelineDatabases _data = null!;

    public async Task InitializeAsync()
    {
        var state = StateDatabase.StartAsync();
        var data = PipelineDatabases.StartAsync();
        (_state, _data) = (await state, await data);
        await _data.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
    }

    public async Task DisposeAsync()
    {
        await _state.DisposeAsync();
        await _data.DisposeAsync();
    }

    [Fact]
    public async Task An_allowed_network_is_reached_and_link_local_the_silos_own_port_and_its_state_database_never_are()
    {
        await using var silo = await StartSiloAsync(("AllowedCidrs:0", "127.0.0.1/32"));
        var gateway = silo.Services.GetRequiredService<IOptions<EndpointOptions>>().Value.GatewayPort;
        var statePort = new NpgsqlConnectionStringBuilder(_state.ConnectionString).Port;

        var allowed = await silo.RunAsync(Pipeline("allowed"));
        Assert.True(allowed.Status == RunStatus.Succeeded, allowed.Streams.Single().Error);
        Assert.Equal(0, await _data.DifferenceAsync("items", "items"));

        foreach (var (name, host, port, refusal) in new[]
        {
            ("metadata", "169.254.169.254", 80, "link-local addresses are never reachable (Rapidbyte:Egress)"),
            ("gateway", "127.0.0.1", gateway, "it is this silo's own gateway port (Rapidbyte:Cluster:GatewayPort)"),
            ("state", "127.0.0.1", statePort, "it is the silo's state database (Rapidbyte:State:ConnectionString)"),
        })
        {
            var run = await silo.RunAsync(Pipeline(name, sourceHost: host, sourcePort: port));

            var stream = run.Streams.Single();
            Assert.Equal(RunStatus.Failed, run.Status);
            Assert.Contains($"connecting to {host}:{port} is refused by the silo's egress policy: {refusal}", stream.Error);
            Assert.Equal(1, stream.Attempts);
        }
    }

    [Fact]
    public async Task A_name_resolving_to_a_denied_address_is_refused_even_where_an_allow_names_it()
    {
        await using var silo = await StartSiloAsync(("DeniedCidrs:0", "127.0.0.0/8"), ("DeniedCidrs:1", "::1/128"), ("AllowedHosts:0", "localhost"));

        var run = await silo.RunAsync(Pipeline("localhost", everyHost: "localhost"));

        var stream = run.Streams.Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Matches(
            $@"connecting to localhost:{_data.Server.Port} \((127\.0\.0\.1|::1)\) is refused by the silo's egress policy: (127\.0\.0\.0/8|::1/128) is denied \(Rapidbyte:Egress:DeniedCidrs\)",
            stream.Error);
        Assert.Equal(1, stream.Attempts);
    }

    [Fact]
    public async Task A_malformed_egress_setting_stops_the_silo_naming_it()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => StartSiloAsync(
            ("DeniedCidrs:0", "10.0.0.1/8"), ("AllowedCidrs:0", "fd00::/8"), ("AllowedCidrs:1", "banana"),
            ("AllowedHosts:0", "db example"), ("DeniedHosts", "db.internal"), ("DenyCidrs:0", "10.0.0.0/8")));

        var message = StartupFailure.Describe(failure);
        Assert.NotNull(message);
        Assert.Contains("Rapidbyte:Egress:DeniedCidrs:0 '10.0.0.1/8' is not a network in CIDR form", message);
        Assert.Contains("Rapidbyte:Egress:AllowedCidrs:1 'banana' is not a network in CIDR form", message);
        Assert.DoesNotContain("AllowedCidrs:0", message);
        Assert.Contains("Rapidbyte:Egress:AllowedHosts:0 'db example' is not a host name", message);
        Assert.Contains("Rapidbyte:Egress:DeniedHosts is a list: give its entries as Rapidbyte:Egress:DeniedHosts:0, Rapidbyte:Egress:DeniedHosts:1, ... (Rapidbyte__Egress__DeniedHosts__0 in the environment)", message);
        Assert.Contains("Rapidbyte:Egress:DenyCidrs is not a setting; the settings under Rapidbyte:Egress are AllowedCidrs, AllowedHosts, DeniedCidrs, DeniedHosts", message);
    }

    // A silo out of development mode (loopback only where allowed) with these Rapidbyte:Egress settings.
    private Task<PipelineSilo> StartSiloAsync(params (string Key, string Value)[] egress) =>
        PipelineSilo.StartAsync(_state.ConnectionString, maxRetries: 2,
            silo: s => s.AddEgressPolicy(_ => new EgressHost(false, "development mode", () => [], "ASPNETCORE_URLS")),
            settings: egress.Select(e => KeyValuePair.Create($"{RapidbyteOptions.Section}:{EgressOptions.Section}:{e.Key}", (string?)e.Value)));

    // items from the data server's source to its destination; the source (or every end) pointed elsewhere if asked.
    private string Pipeline(string name, string? sourceHost = null, int? sourcePort = null, string? everyHost = null)
    {
        var yaml = _data.PipelineYaml(name, "- {name: items, sync_mode: full_refresh}", writeMode: "replace");
        var endpoint = $"host: {_data.Server.Host}, port: {_data.Server.Port},";
        if (everyHost is not null)
        {
            return yaml.Replace(endpoint, $"host: {everyHost}, port: {_data.Server.Port},", StringComparison.Ordinal);
        }
        return sourceHost is null ? yaml : new Regex(Regex.Escape(endpoint)).Replace(yaml, $"host: {sourceHost}, port: {sourcePort},", 1);
    }
}
