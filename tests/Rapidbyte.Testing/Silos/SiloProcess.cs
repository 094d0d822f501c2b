using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Testing.Silos;

/// <summary>
/// The real silo host (<c>rapidbyte-silo</c>, built alongside the tests) as a process of its
/// own on loopback: its own silo, gateway and HTTP ports, settings as environment variables
/// the way a container gets them, output captured. A test can SIGKILL it (a lost machine) or
/// SIGTERM it (a drain, as Azure Container Apps does before a new revision).
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    // One compiled-code cache for every silo a test run starts: each compiles the connectors once at most.
    private static readonly string CompiledCache = Directory.CreateTempSubdirectory("rapidbyte-silo-cache-").FullName;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int siloPort, int gatewayPort, int httpPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the silo wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The silo host built alongside these tests (same configuration).</summary>
    public static string Assembly
    {
        get
        {
            // .../tests/<Project>/bin/<Configuration>/<tfm>/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(RepositoryPaths.Root, "src", "Rapidbyte.Silo", "bin", output.Parent!.Name, output.Name, "rapidbyte-silo.dll");
        }
    }

    /// <summary>
    /// Starts a silo of cluster <paramref name="clusterId"/> keeping its state in
    /// <paramref name="stateConnection"/>. It is not ready yet: see <see cref="WaitReadyAsync"/>.
    /// </summary>
    /// <param name="settings">More environment variables, or overrides (a null value removes one).</param>
    public static SiloProcess Start(string stateConnection, string clusterId = "tests", IReadOnlyDictionary<string, string?>? settings = null)
    {
        var (siloPort, gatewayPort, httpPort) = (LoopbackPorts.Unused(), LoopbackPorts.Unused(), LoopbackPorts.Unused());
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        var environment = new Dictionary<string, string?>
        {
            ["Rapidbyte__State__ConnectionString"] = stateConnection,
            ["Rapidbyte__Cluster__ClusterId"] = clusterId,
            ["Rapidbyte__Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Rapidbyte__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Rapidbyte__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["Rapidbyte__Engine__ConnectorsDirectory"] = RepositoryPaths.ConnectorsDirectory,
            ["Rapidbyte__Engine__CompiledCacheDirectory"] = CompiledCache,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            // On loopback: the API takes callers without a token unless a test gives an issuer.
            ["Rapidbyte__Api__Authentication__Mode"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var silo = new SiloProcess(Process.Start(start)!, siloPort, gatewayPort, httpPort);
        silo._process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>The HTTP status of one of the silo's endpoints (<c>/health/ready</c>), or null if it does not answer.</summary>
    public async Task<int?> StatusOfAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"));
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The HTTP status and body of one of the silo's endpoints, or null if it does not answer.</summary>
    public async Task<(int Status, string Body)?> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    /// <exception cref="InvalidOperationException">The silo exited or was not ready in time; carries its output.</exception>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (await StatusOfAsync("/health/ready") != 200)
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"silo (pid {Id}) {(_process.HasExited ? $"exited with {_process.ExitCode}" : "was not ready in time")}:\n{Output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Waits for the process to end on its own and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"silo (pid {Id}) still running after {timeout}:\n{Output}");
        }
        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync(CancellationToken.None);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the silo vanishes mid-work, as with a lost machine.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM: the silo is asked to stop, as an orchestrator does before replacing it.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
