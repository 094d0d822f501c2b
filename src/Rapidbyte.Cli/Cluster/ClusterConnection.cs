using Rapidbyte.Pipelines.Spec;
using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Grains.State;

namespace Rapidbyte.Cli.Cluster;

/// <summary>
/// The CLI as an Orleans client of a running cluster: it finds the silos' gateways in the
/// membership table of the cluster's state database, the same way another service does.
/// </summary>
internal sealed class ClusterConnection(IHost host) : IAsyncDisposable
{
    /// <summary>The environment variable that names the cluster's state database when <c>--cluster</c> is not given.</summary>
    public const string Variable = "RAPIDBYTE_CLUSTER";

    public IClusterClient Grains => host.Services.GetRequiredService<IClusterClient>();

    public static Option<string?> ClusterOption() => new("--cluster")
    {
        Description = $"The cluster's state database (an Npgsql connection string); default: ${Variable}. Prefer the variable: a command line is visible to other users.",
    };

    public static Option<string> ClusterIdOption() => new("--cluster-id")
    {
        Description = "The cluster's id (Rapidbyte:Cluster:ClusterId of its silos).",
        DefaultValueFactory = _ => new ClusterSettings().ClusterId,
    };

    /// <summary>Connects; null (the reason printed on stderr) when no cluster can be reached.</summary>
    public static async Task<ClusterConnection?> TryConnectAsync(string? connectionString, string clusterId, CancellationToken cancellationToken)
    {
        connectionString ??= Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync($"which cluster? give --cluster or set {Variable} to the connection string of the cluster's state database");
            return null;
        }
        if (StateConnection.LibpqFormProblem(connectionString) is { } problem)
        {
            await Console.Error.WriteLineAsync($"--cluster / {Variable} {problem}");
            return null;
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(StateConnection.WithTlsDefault(connectionString)) { SearchPath = StateSchema.DefaultSchema };
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"--cluster / {Variable} is not a connection string: {e.Message}");
            return null;
        }
        var where = $"{builder.Host}:{builder.Port}, database {builder.Database ?? builder.Username}";
        var settings = new HostApplicationBuilderSettings { DisableDefaults = true };
        var hostBuilder = Host.CreateApplicationBuilder(settings);
        hostBuilder.Logging.ClearProviders();
        hostBuilder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ClusterSettings.DefaultServiceId))
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(10))
            .UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = builder.ConnectionString;
            }));
        var host = hostBuilder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return new ClusterConnection(host);
        }
        catch (Exception e) when (e is OrleansException or NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            host.Dispose();
            await Console.Error.WriteLineAsync($"cluster {clusterId} cannot be reached through its state database at {where}: {Describe(e)}");
            return null;
        }
    }

    private static string Describe(Exception e) =>
        e is OrleansException && e.Message.Contains("gateway", StringComparison.OrdinalIgnoreCase)
            ? "no silo of it is up (none is listed as active in its membership table)"
            : e.Message;

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
