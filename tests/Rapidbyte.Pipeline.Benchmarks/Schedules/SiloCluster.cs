using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Silos;

namespace Rapidbyte.Pipeline.Benchmarks.Schedules;

/// <summary>
/// <c>rapidbyte-silo</c> processes of one cluster on loopback, keeping its state in a database
/// of its own on the benchmark's server, and an Orleans client of it as another service would
/// hold one (gateways found through the membership table). Disposing stops the client, then
/// kills the silos.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    /// <summary>The variable the silos read the database password from: pipelines may not hold it.</summary>
    public const string PasswordVariable = "RAPIDBYTE_BENCH_PASSWORD";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    private readonly List<SiloProcess> _silos = [];
    private readonly string _name;
    private readonly string _stateConnection;
    private IHost? _client;

    private SiloCluster(string name, string stateConnection) => (_name, _stateConnection) = (name, stateConnection);

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>
    /// Starts <paramref name="silos"/> silos of cluster <paramref name="name"/> (also the name of
    /// its new state database) and waits until each is ready.
    /// </summary>
    /// <param name="settings">More environment variables of every silo (<c>Rapidbyte__Engine__*</c>).</param>
    public static async Task<SiloCluster> StartAsync(
        PipelineDatabases databases, string name, int silos, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        await databases.Server.ExecuteAsync($"CREATE DATABASE {name}");
        var cluster = new SiloCluster(name, databases.Server.ConnectionString(name));
        try
        {
            var environment = new Dictionary<string, string?>(settings) { [PasswordVariable] = databases.Server.Password };
            for (var i = 0; i < silos; i++)
            {
                cluster._silos.Add(SiloProcess.Start(cluster._stateConnection, name, environment));
            }
            await Task.WhenAll(cluster._silos.Select(s => s.WaitReadyAsync(ReadyTimeout))).WaitAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects the client (once) and returns its grain factory.</summary>
    public async Task<IClusterClient> ConnectAsync()
    {
        if (_client is null)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleansClient(client => client
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (_name, "rapidbyte"))
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = new NpgsqlConnectionStringBuilder(_stateConnection) { SearchPath = "rapidbyte_state" }.ConnectionString;
                }));
            var host = builder.Build();
            await host.StartAsync();
            _client = host;
        }
        return _client.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>Stops the client, so that it does not call the silos while they are measured.</summary>
    public async Task DisconnectAsync()
    {
        if (_client is { } host)
        {
            _client = null;
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>
    /// The warnings, errors and critical lines the silos logged so far, each prefixed by its
    /// silo's process id; not the health checks' "not ready yet" (connectors still compiling),
    /// which the benchmark's own readiness polls ask for.
    /// </summary>
    public IReadOnlyList<string> Complaints() =>
        _silos.SelectMany(silo => silo.Output.Split('\n')
                .Where(line => (line.Contains(" warn: ", StringComparison.Ordinal) || line.Contains(" fail: ", StringComparison.Ordinal)
                                || line.Contains(" crit: ", StringComparison.Ordinal))
                               && !line.Contains("message 'compiling the connector modules'", StringComparison.Ordinal))
                .Select(line => $"silo {silo.Id}: {line.TrimEnd('\r')}"))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
