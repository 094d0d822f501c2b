using System.CommandLine;
using Rapidbyte.Client;

namespace Rapidbyte.Cli.Cluster;

/// <summary>
/// The service a <c>rapidbyte pipelines</c> command talks to: a server's HTTP API
/// (<c>--server</c> / <c>RAPIDBYTE_SERVER</c>, with <c>RAPIDBYTE_TOKEN</c>), or else the cluster
/// itself through its state database (<c>--cluster</c> / <c>RAPIDBYTE_CLUSTER</c>). Either way
/// the command makes the same calls (<see cref="IRapidbyteClient"/>) and gets the same answers.
/// </summary>
internal sealed class ServiceConnection(IRapidbyteClient client, IAsyncDisposable? lifetime, string where) : IAsyncDisposable
{
    public const string ServerVariable = "RAPIDBYTE_SERVER";
    public const string TokenVariable = "RAPIDBYTE_TOKEN";

    public IRapidbyteClient Client { get; } = client;

    /// <summary>What it is connected to, for messages: <c>server http://...</c> or <c>cluster rapidbyte</c>.</summary>
    public string Where { get; } = where;

    public static Option<string?> ServerOption() => new("--server")
    {
        Description = $"The Rapidbyte API's address (several, comma-separated, are tried in turn); default: ${ServerVariable}. A bearer token comes from ${TokenVariable}.",
    };

    public static async Task<ServiceConnection?> TryOpenAsync(string? server, string? cluster, string clusterId, CancellationToken cancellationToken)
    {
        server ??= Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(server))
        {
            var options = new RapidbyteClientOptions { AccessToken = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token : null };
            foreach (var address in server.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    await Console.Error.WriteLineAsync($"--server / {ServerVariable}: {address} is not an http(s) address");
                    return null;
                }
                options.Endpoints.Add(uri);
            }
            var http = RapidbyteClient.Create(options);
            return new ServiceConnection(http, new Disposer(http), $"server {string.Join(", ", options.Endpoints)}");
        }
        if (string.IsNullOrWhiteSpace(cluster ?? Environment.GetEnvironmentVariable(ClusterConnection.Variable)))
        {
            await Console.Error.WriteLineAsync(
                $"which service? give --server or set {ServerVariable} to its API's address, or give --cluster or set {ClusterConnection.Variable} to the connection string of the cluster's state database");
            return null;
        }
        var connection = await ClusterConnection.TryConnectAsync(cluster, clusterId, cancellationToken);
        return connection is null ? null : new ServiceConnection(new ClusterRapidbyteClient(connection.Grains), connection, $"cluster {clusterId}");
    }

    public async ValueTask DisposeAsync()
    {
        if (lifetime is not null)
        {
            await lifetime.DisposeAsync();
        }
    }

    private sealed class Disposer(IDisposable disposable) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            disposable.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
