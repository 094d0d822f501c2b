using System.Diagnostics;
using Rapidbyte.Pipeline.Benchmarks.Processes;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// The rapidbyte command of this checkout as users get it: published (Release,
/// self-contained composite ReadyToRun, with the connectors it bundles, what <c>dotnet pack</c> puts in the tool
/// package) and started through the tool's entry point, the native launcher (it hands a run to
/// a local server itself, and starts the full command for an embedded run): <c>rapidbyte run
/// PIPELINE.yaml --json</c>.
/// </summary>
internal sealed class RapidbyteCli
{
    private readonly string _executable;
    private readonly string _workDirectory;
    private readonly PostgresServer _server;

    private RapidbyteCli(string executable, string workDirectory, PostgresServer server, DateTime builtAt)
    {
        _executable = executable;
        _workDirectory = workDirectory;
        _server = server;
        BuiltAt = builtAt;
    }

    /// <summary>When the CLI was published (UTC): HEAD alone does not say what was built.</summary>
    public DateTime BuiltAt { get; }

    /// <summary>
    /// Publishes the CLI into <paramref name="workDirectory"/>: a rebuild in the checkout
    /// while the benchmark runs must not swap the contender halfway. A smoke run, whose
    /// timings mean nothing, publishes without precompiling (seconds instead of minutes;
    /// <c>scripts/setup.sh</c> packs the precompiled tool, so that build is still tried).
    /// </summary>
    public static async Task<RapidbyteCli> PrepareAsync(string workDirectory, PostgresServer server, bool smoke, CancellationToken cancellationToken)
    {
        var output = Path.Combine(workDirectory, "rapidbyte");
        Console.WriteLine(smoke
            ? "publishing the rapidbyte CLI (Release, self-contained, not precompiled: a smoke run)..."
            : "publishing the rapidbyte CLI (Release, self-contained composite ReadyToRun; minutes)...");
        await PublishAsync(output, smoke, cancellationToken);
        Directory.CreateDirectory(Path.Combine(workDirectory, "pipelines"));
        var executable = Path.Combine(output, "rapidbyte-launcher");
        return new RapidbyteCli(executable, workDirectory, server, File.GetLastWriteTimeUtc(Path.Combine(output, "rapidbyte.dll")));
    }

    /// <summary>
    /// A full refresh of <paramref name="stream"/> from the source into the destination table
    /// of the same name, appended. Compiled connector code is cached in the benchmark's own
    /// directory: the first run compiles, later runs start from the cache.
    /// </summary>
    /// <param name="observe">Called with the rapidbyte process's id while it runs (see <see cref="MeasuredProcess"/>).</param>
    /// <param name="tls">Both sides over TLS (see <see cref="PipelineYaml.FullRefresh"/>).</param>
    /// <param name="nativeLane">False: the source's <c>native_lane: false</c> (the Arrow lane).</param>
    /// <param name="served">True: with the data directory of the warm <c>rapidbyte serve</c> (<see cref="StartServerAsync"/>),
    /// whose server.json makes <c>rapidbyte run</c> hand the run to it; else a data directory
    /// no server has registered in, so the run is embedded whatever runs elsewhere on the machine.</param>
    /// <exception cref="BenchmarkFailure">The run did not succeed.</exception>
    public async Task<(ProcessMeasurement Process, RapidbyteRunSummary Summary)> RunAsync(
        string stream, CancellationToken cancellationToken, Func<int, Task>? observe = null, bool tls = false, bool nativeLane = true, bool served = false)
    {
        var file = PipelineFile(stream, tls, nativeLane);
        await File.WriteAllTextAsync(file, PipelineYaml.FullRefresh($"bench-{stream}", stream, _server, tls, nativeLane), cancellationToken);
        var environment = RunEnvironment(served);
        var process = await MeasuredProcess.RunAsync(_executable, ["run", file, "--json"], _workDirectory, environment, cancellationToken, observe);
        var summary = RapidbyteRunSummary.TryParse(process.Stdout);
        if (process.ExitCode != 0 || summary is not { Succeeded: true })
        {
            throw new BenchmarkFailure(
                $"rapidbyte run of {stream} failed (exit {process.ExitCode}, status {summary?.Status ?? "unknown"}): {summary?.Error}\nstdout: {process.Stdout}\nstderr: {process.StderrTail}");
        }
        return (process, summary);
    }

    /// <summary>
    /// Starts <c>rapidbyte serve PIPELINE --port N</c> on loopback with the served data
    /// directory; returns once it has recorded itself in server.json. The caller stops it.
    /// </summary>
    public async Task<Process> StartServerAsync(string stream, int port, CancellationToken cancellationToken)
    {
        var file = PipelineFile(stream, tls: false, nativeLane: true);
        await File.WriteAllTextAsync(file, PipelineYaml.FullRefresh($"bench-{stream}", stream, _server), cancellationToken);
        var start = new ProcessStartInfo(_executable, ["serve", file, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = _workDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in RunEnvironment(served: true))
        {
            start.Environment[name] = value;
        }
        var server = Process.Start(start) ?? throw new BenchmarkFailure("could not start rapidbyte serve");
        // Drained, so its progress lines cannot fill a pipe and stall it.
        _ = server.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = server.StandardError.ReadToEndAsync(CancellationToken.None);
        var record = Path.Combine(DataHome(served: true), "rapidbyte", "server.json");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!File.Exists(record))
        {
            if (server.HasExited || DateTime.UtcNow > deadline)
            {
                if (!server.HasExited)
                {
                    server.Kill();
                }
                await server.WaitForExitAsync(CancellationToken.None);
                throw new BenchmarkFailure($"rapidbyte serve did not come up (exit {server.ExitCode}): {await stderr}");
            }
            await Task.Delay(100, cancellationToken);
        }
        return server;
    }

    private string PipelineFile(string stream, bool tls, bool nativeLane) =>
        Path.Combine(_workDirectory, "pipelines", $"{stream}{(tls ? "-tls" : "")}{(nativeLane ? "" : "-arrow")}.yaml");

    private string DataHome(bool served) => Path.Combine(_workDirectory, served ? "data-served" : "data");

    private Dictionary<string, string> RunEnvironment(bool served) => new()
    {
        ["XDG_CACHE_HOME"] = Path.Combine(_workDirectory, "cache"),
        ["XDG_DATA_HOME"] = DataHome(served),
    };

    private static async Task PublishAsync(string output, bool smoke, CancellationToken cancellationToken)
    {
        string[] arguments = ["publish", "src/Rapidbyte.Cli", "-c", "Release", "-o", output, "-nologo", "-v", "quiet"];
        var start = new ProcessStartInfo("dotnet", smoke ? [.. arguments, "-p:PublishReadyToRun=false"] : arguments)
        {
            WorkingDirectory = RepositoryPaths.Root,
        };
        using var publish = Process.Start(start) ?? throw new BenchmarkFailure("could not start dotnet publish");
        await publish.WaitForExitAsync(cancellationToken);
        if (publish.ExitCode != 0)
        {
            throw new BenchmarkFailure($"dotnet publish src/Rapidbyte.Cli -c Release failed (exit {publish.ExitCode})");
        }
    }
}
