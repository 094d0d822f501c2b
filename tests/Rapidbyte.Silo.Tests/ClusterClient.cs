using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace Rapidbyte.Silo.Tests;

/// <summary>
/// An Orleans client of a cluster of silo processes, as another service would hold one:
/// gateways found through the membership table in the state database.
/// </summary>
internal sealed class ClusterClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Grains => host.Services.GetRequiredService<IClusterClient>();

    /// <param name="responseTimeout">How long a call may take: 5 s unless given (a call that went to a silo killed under it fails then, not after 30 s: the tests poll on).</param>
    public static async Task<ClusterClient> ConnectAsync(string stateConnection, string clusterId = "tests", TimeSpan? responseTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, "rapidbyte"))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout ?? TimeSpan.FromSeconds(5))
            .UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = new NpgsqlConnectionStringBuilder(stateConnection) { SearchPath = "rapidbyte_state" }.ConnectionString;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
