using System.Diagnostics;
using Rapidbyte.Pipeline.Benchmarks.Processes;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// The rapidbyte command of this checkout (its Release build, with the connectors it
/// bundles), run as users run it: <c>dotnet rapidbyte.dll run PIPELINE.yaml --json</c>.
/// </summary>
internal sealed class RapidbyteCli
{
    private readonly string _assembly;
    private readonly string _workDirectory;
    private readonly PostgresServer _server;

    private RapidbyteCli(string assembly, string workDirectory, PostgresServer server, DateTime builtAt)
    {
        _assembly = assembly;
        _workDirectory = workDirectory;
        _server = server;
        BuiltAt = builtAt;
    }

    /// <summary>When the CLI build was made (UTC): HEAD alone does not say what was built.</summary>
    public DateTime BuiltAt { get; }

    private static string BuildOutput => Path.Combine(RepositoryPaths.Root, "src", "Rapidbyte.Cli", "bin", "Release", "net10.0");

    /// <summary>
    /// Builds the CLI when it is missing, and copies the build into <paramref name="workDirectory"/>:
    /// a rebuild in the checkout while the benchmark runs must not swap the contender halfway.
    /// </summary>
    public static async Task<RapidbyteCli> PrepareAsync(string workDirectory, PostgresServer server, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(BuildOutput, "rapidbyte.dll")))
        {
            Console.WriteLine("building the rapidbyte CLI (Release)...");
            await BuildAsync(cancellationToken);
        }
        var builtAt = File.GetLastWriteTimeUtc(Path.Combine(BuildOutput, "rapidbyte.dll"));
        var copy = Path.Combine(workDirectory, "rapidbyte");
        CopyDirectory(BuildOutput, copy);
        Directory.CreateDirectory(Path.Combine(workDirectory, "pipelines"));
        return new RapidbyteCli(Path.Combine(copy, "rapidbyte.dll"), workDirectory, server, builtAt);
    }

    /// <summary>
    /// A full refresh of <paramref name="stream"/> from the source into the destination table
    /// of the same name, appended. Compiled connector code is cached in the benchmark's own
    /// directory: the first run compiles, later runs start from the cache.
    /// </summary>
    /// <param name="observe">Called with the rapidbyte process's id while it runs (see <see cref="MeasuredProcess"/>).</param>
    /// <exception cref="BenchmarkFailure">The run did not succeed.</exception>
    public async Task<(ProcessMeasurement Process, RapidbyteRunSummary Summary)> RunAsync(
        string stream, CancellationToken cancellationToken, Func<int, Task>? observe = null)
    {
        var file = Path.Combine(_workDirectory, "pipelines", $"{stream}.yaml");
        await File.WriteAllTextAsync(file, PipelineYaml.FullRefresh($"bench-{stream}", stream, _server), cancellationToken);
        var environment = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = Path.Combine(_workDirectory, "cache") };
        var process = await MeasuredProcess.RunAsync("dotnet", [_assembly, "run", file, "--json"], _workDirectory, environment, cancellationToken, observe);
        var summary = RapidbyteRunSummary.TryParse(process.Stdout);
        if (process.ExitCode != 0 || summary is not { Succeeded: true })
        {
            throw new BenchmarkFailure(
                $"rapidbyte run of {stream} failed (exit {process.ExitCode}, status {summary?.Status ?? "unknown"}): {summary?.Error}\nstdout: {process.Stdout}\nstderr: {process.StderrTail}");
        }
        return (process, summary);
    }

    private static async Task BuildAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", ["build", "src/Rapidbyte.Cli", "-c", "Release", "-nologo", "-v", "quiet"]) { WorkingDirectory = RepositoryPaths.Root };
        using var build = Process.Start(start) ?? throw new BenchmarkFailure("could not start dotnet build");
        await build.WaitForExitAsync(cancellationToken);
        if (build.ExitCode != 0)
        {
            throw new BenchmarkFailure($"dotnet build src/Rapidbyte.Cli -c Release failed (exit {build.ExitCode})");
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
