using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Testing;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// A started silo, composed like every Rapidbyte silo (<see cref="RapidbyteSiloBuilderExtensions.AddRapidbyte"/>),
/// that a test stops (and disposes) with <c>await using</c>.
/// </summary>
internal sealed class RunningSilo(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    /// <summary>
    /// Starts a silo keeping state in <paramref name="stateConnection"/>: by default a single
    /// local silo on free loopback ports running the built connectors.
    /// </summary>
    /// <param name="configure">Changes to those settings.</param>
    /// <param name="silo">Anything a test adds beyond Rapidbyte's own composition.</param>
    /// <param name="logs">Given, every log line of the silo (all levels) is written to it.</param>
    /// <param name="settings">More configuration entries (<c>Rapidbyte:Egress:DeniedCidrs:0</c>), for settings a host adds.</param>
    public static async Task<RunningSilo> StartAsync(string stateConnection, Action<RapidbyteOptions>? configure = null, Action<ISiloBuilder>? silo = null, CapturedLogs? logs = null,
        IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var options = new RapidbyteOptions
        {
            State = { ConnectionString = stateConnection },
            Cluster = { Membership = MembershipKind.Local, SiloPort = 0, GatewayPort = 0, ClusterId = "tests" },
            Engine = { ConnectorsDirectory = RepositoryPaths.ConnectorsDirectory },
        };
        configure?.Invoke(options);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(RapidbyteConfiguration.Entries(options).Concat(settings ?? []));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }
        builder.UseOrleans(orleans =>
        {
            orleans.AddRapidbyte(builder.Configuration);
            silo?.Invoke(orleans);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new RunningSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
