using System.Diagnostics;
using System.Globalization;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Testing.Containers;

/// <summary>
/// A silo from the service's image, as a platform runs it: settings as environment variables
/// (handed over in a file, so no secret shows in a process list), on the host's network with
/// its own silo, gateway and HTTP ports on loopback. Removed when disposed.
/// </summary>
public sealed class SiloContainer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly DockerEngine _docker;

    private SiloContainer(DockerEngine docker, string name, int siloPort, int gatewayPort, int httpPort)
    {
        _docker = docker;
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    /// <summary>Time since <c>docker run</c> was called for it.</summary>
    public Stopwatch SinceStart { get; } = Stopwatch.StartNew();

    /// <summary>The API's address.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>
    /// Starts a container of <paramref name="image"/> in cluster <paramref name="clusterId"/>
    /// with state in <paramref name="stateConnection"/>. It is not ready yet: see <see cref="WaitReadyAsync"/>.
    /// </summary>
    /// <param name="settings">More environment variables, or overrides.</param>
    /// <param name="options">More <c>docker run</c> options (a volume).</param>
    public static async Task<SiloContainer> StartAsync(DockerEngine docker, string image, string stateConnection, string clusterId,
        IReadOnlyDictionary<string, string>? settings = null, IEnumerable<string>? options = null)
    {
        var (siloPort, gatewayPort, httpPort) = (LoopbackPorts.Unused(), LoopbackPorts.Unused(), LoopbackPorts.Unused());
        var container = new SiloContainer(docker, $"rapidbyte-silo-{siloPort}", siloPort, gatewayPort, httpPort);
        var environment = new Dictionary<string, string>
        {
            ["Rapidbyte__State__ConnectionString"] = stateConnection,
            ["Rapidbyte__Cluster__ClusterId"] = clusterId,
            ["Rapidbyte__Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Rapidbyte__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Rapidbyte__Cluster__AdvertisedAddress"] = "127.0.0.1",
            // The host's network: listen on loopback only, not on the image's *:8080 (emptied,
            // so that a silo in development mode sees nothing listening beyond loopback).
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["ASPNETCORE_HTTP_PORTS"] = "",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        // mkstemp: readable by its owner only.
        var environmentFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(environmentFile, environment.Select(e => $"{e.Key}={e.Value}"));
            await docker.RunAsync([
                "run", "--detach", "--name", container.Name, "--label", DockerEngine.ContainerLabel, "--network", "host",
                "--env-file", environmentFile, .. options ?? [], image,
            ]);
        }
        finally
        {
            File.Delete(environmentFile);
        }
        return container;
    }

    /// <summary>The HTTP status and body of one of the silo's endpoints, or null if it does not answer.</summary>
    public async Task<(int Status, string Body)?> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Endpoint, path));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    /// <exception cref="InvalidOperationException">The container stopped or was not ready in time; carries its log.</exception>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while ((await GetAsync("health/ready"))?.Status != 200)
        {
            if (!await IsRunningAsync() || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"container {Name} {(await IsRunningAsync() ? "was not ready in time" : "stopped")}:\n{await LogsAsync()}");
            }
            await Task.Delay(200);
        }
    }

    public async Task<bool> IsRunningAsync() =>
        (await _docker.RunAsync(["inspect", "--format", "{{.State.Running}}", Name])).Trim() == "true";

    /// <summary>What the silo wrote to stdout and stderr so far.</summary>
    public async Task<string> LogsAsync()
    {
        var (_, output, error) = await _docker.TryRunAsync(["logs", Name]);
        return output + error;
    }

    /// <summary>
    /// <c>docker stop</c>: SIGTERM, as a platform does before replacing a replica, and SIGKILL
    /// only if it has not stopped within <paramref name="grace"/>; the process's exit code.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        await _docker.RunAsync(["stop", "--time", ((int)grace.TotalSeconds).ToString(CultureInfo.InvariantCulture), Name]);
        return int.Parse(await _docker.RunAsync(["inspect", "--format", "{{.State.ExitCode}}", Name]), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync() => await _docker.TryRunAsync(["rm", "--force", "--volumes", Name]);
}
