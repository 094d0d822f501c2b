using System.Diagnostics;
using Rapidbyte.Client;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Reporting;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Containers;
using Rapidbyte.Testing.Postgres;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>
/// The service's container image (the Dockerfile, on local stand-ins for its base images, in a
/// Docker engine of the benchmark's own): its size; a container's time to ready with a registered
/// pipeline pinned to registry modules (Azurite), with an empty compiled-code cache and with a
/// volume holding the cache a previous container left; and firenibble through a container,
/// triggered through the SDK, beside `rapidbyte run` on the same data in the same run.
/// </summary>
internal static class ImageBenchmark
{
    private const string PasswordVariable = "RAPIDBYTE_BENCH_PASSWORD";
    private const string Pipeline = "firenibble";

    public sealed record Report(
        DateTimeOffset When, MachineInfo Machine, string Commit, long ImageBytes, double BaseImagesSeconds, double BuildSeconds,
        long Rows, long CopyBytes, IReadOnlyList<double> ColdReadySeconds, IReadOnlyList<double> WarmReadySeconds,
        IReadOnlyList<double> ContainerRunSeconds, IReadOnlyList<double> ContainerTriggerToEndSeconds,
        IReadOnlyList<double> CliRunSeconds, IReadOnlyList<double> CliWallSeconds);

    public static Task RunAsync(BenchmarkOptions options, CancellationToken cancellationToken) =>
        WorkDirectory.RunInAsync("rapidbyte-bench-", work => RunInAsync(work, options, cancellationToken));

    private static async Task RunInAsync(string work, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine($"{options.Title}: {options.Rows:N0} rows, {options.Rounds} round(s); starting the Docker engine, building the image...");
        await using var docker = await DockerEngine.StartAsync();
        var (baseImages, build) = await SiloImage.BuildAsync(docker);
        var imageBytes = await SiloImage.SizeAsync(docker);
        Console.WriteLine($"  base images {baseImages.TotalSeconds:F1} s, image {build.TotalSeconds:F1} s (layers cached unless changed), {imageBytes / 1e6:F0} MB");

        await using var server = await PostgresServer.StartAsync(cancellationToken);
        await using var stateServer = await PostgresServer.StartAsync(cancellationToken);
        await using var azurite = await AzuriteServer.StartAsync();
        await stateServer.ExecuteAsync("CREATE DATABASE state");
        var state = stateServer.ConnectionString("state");
        var databases = await BenchmarkDatabases.CreateAsync(server);
        var cli = await RapidbyteCli.PrepareAsync(work, server, options.Smoke, cancellationToken);
        Console.WriteLine("generating the source table...");
        var source = await databases.CreateSourceTableAsync(BenchmarkTables.Firenibble, options.Rows);

        // The connectors the pipeline pins come from the registry, as in a deployment.
        var blob = BlobConnectorRegistry.Create(azurite.ConnectionString, "connectors");
        await blob.PublishAsync("source-postgres", "1.0.0", await File.ReadAllBytesAsync(RepositoryPaths.Connector("source-postgres"), cancellationToken), cancellationToken);
        await blob.PublishAsync("dest-postgres", "1.0.0", await File.ReadAllBytesAsync(RepositoryPaths.Connector("dest-postgres"), cancellationToken), cancellationToken);
        // One developer's machine: API without tokens (the containers listen on loopback only).
        var settings = new Dictionary<string, string>
        {
            ["Rapidbyte__Engine__Registry__ConnectionString"] = azurite.ConnectionString,
            ["Rapidbyte__Api__Authentication__Mode"] = "Development",
            [PasswordVariable] = server.Password,
        };
        await using (var first = await SiloContainer.StartAsync(docker, SiloImage.Tag, state, "bench-image", settings))
        {
            await first.WaitReadyAsync(TimeSpan.FromMinutes(2));
            using var client = Client(first);
            await client.RegisterPipelineAsync(Pipeline, PipelineYaml.FullRefresh(Pipeline, BenchmarkTables.Firenibble.Name, server)
                .Replace(server.Password, "${" + PasswordVariable + "}", StringComparison.Ordinal), cancellationToken: cancellationToken);
            await first.StopAsync(TimeSpan.FromSeconds(60));
        }

        var (cold, warm, containerRun, containerWall, cliRun, cliWall) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var round = 1; round <= options.Rounds; round++)
        {
            var volume = $"rapidbyte-bench-cache-{round}";
            await docker.TryRunAsync(["volume", "rm", "-f", volume]);
            string[] mount = ["--volume", $"{volume}:/var/cache/rapidbyte"];
            await using (var container = await SiloContainer.StartAsync(docker, SiloImage.Tag, state, "bench-image", settings, mount))
            {
                cold.Add(await TimeToReadyAsync(container, $"round {round}: empty compiled-code cache"));
                await container.StopAsync(TimeSpan.FromSeconds(60));
            }
            await using (var container = await SiloContainer.StartAsync(docker, SiloImage.Tag, state, "bench-image", settings, mount))
            {
                warm.Add(await TimeToReadyAsync(container, $"round {round}: the cache volume the previous container left"));
                using var client = Client(container);
                await databases.ResetDestinationAsync(BenchmarkTables.Firenibble);
                var clock = Stopwatch.StartNew();
                var started = await client.TriggerRunAsync(Pipeline, cancellationToken: cancellationToken);
                var finished = await client.WaitForRunAsync(Pipeline, started.RunId, cancellationToken);
                var triggerToOutcome = clock.Elapsed.TotalSeconds;
                containerWall.Add(triggerToOutcome);
                if (finished.Status != RunStatus.Succeeded)
                {
                    throw new BenchmarkFailure($"the container's run failed: {finished.Error ?? string.Join("; ", finished.Streams.Select(s => s.Error))}");
                }
                containerRun.Add(finished.Duration.TotalSeconds);
                await VerifyAsync(databases, source, "container");
                Console.WriteLine($"  round {round}: container run {finished.Duration.TotalSeconds:F2} s ({options.Rows / finished.Duration.TotalSeconds:N0} rows/s), trigger to outcome {triggerToOutcome:F2} s");
                await container.StopAsync(TimeSpan.FromSeconds(60));
            }
            await docker.TryRunAsync(["volume", "rm", "-f", volume]);

            await databases.ResetDestinationAsync(BenchmarkTables.Firenibble);
            var (process, summary) = await cli.RunAsync(BenchmarkTables.Firenibble.Name, cancellationToken);
            await VerifyAsync(databases, source, "rapidbyte run");
            cliRun.Add(summary.Duration.TotalSeconds);
            cliWall.Add(process.Wall.TotalSeconds);
            Console.WriteLine($"  round {round}: rapidbyte run {summary.Duration.TotalSeconds:F2} s ({options.Rows / summary.Duration.TotalSeconds:N0} rows/s), launch to exit {process.Wall.TotalSeconds:F2} s");
        }

        var report = new Report(DateTimeOffset.UtcNow, MachineInfo.Read(),
            await ToolVersions.FirstLineAsync("git", "-C", RepositoryPaths.Root, "rev-parse", "--short", "HEAD") ?? "unknown",
            imageBytes, baseImages.TotalSeconds, build.TotalSeconds, source.Rows, source.CopyBytes, cold, warm, containerRun, containerWall, cliRun, cliWall);
        var markdown = Render(report);
        Console.WriteLine();
        Console.Write(markdown);
        if (!options.Smoke)
        {
            foreach (var path in ResultFiles.Write("image", report, markdown))
            {
                Console.WriteLine($"wrote {path}");
            }
        }
        Console.WriteLine($"{options.Title}: passed: container {report.Rows / Median(containerRun):N0} rows/s, rapidbyte run {report.Rows / Median(cliRun):N0} rows/s, every destination equal to its source");
    }

    private static RapidbyteClient Client(SiloContainer container)
    {
        var options = new RapidbyteClientOptions();
        options.Endpoints.Add(container.Endpoint);
        return RapidbyteClient.Create(options);
    }

    // docker run to the first 200 of /health/ready: the container starts, the silo joins the
    // cluster and prepares the modules its registered pipelines pin.
    private static async Task<double> TimeToReadyAsync(SiloContainer container, string what)
    {
        await container.WaitReadyAsync(TimeSpan.FromMinutes(3));
        var seconds = container.SinceStart.Elapsed.TotalSeconds;
        Console.WriteLine($"  {what}: ready {seconds:F2} s after docker run");
        return seconds;
    }

    private static async Task VerifyAsync(BenchmarkDatabases databases, SourceFacts source, string what)
    {
        var destination = await databases.DestinationFingerprintAsync(BenchmarkTables.Firenibble.Name);
        if (destination != source.Fingerprint)
        {
            throw new BenchmarkFailure($"{what}: the destination ({destination}) differs from the source ({source.Fingerprint})");
        }
    }

    private static double Median(IReadOnlyList<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string All(IReadOnlyList<double> values) => string.Join(", ", values.Select(v => $"{v:F2}"));

    private static string Render(Report report) => $"""
        # The container image: size, time to ready, throughput

        {report.When:u}, commit {report.Commit}, {report.Machine.Cores} cores. The Dockerfile's image on local stand-ins for
        its base images (Debian 12 with this machine's .NET runtime: the official images are Ubuntu 24.04 chiseled, smaller),
        in a Docker engine of the benchmark's own; containers on the host's network; medians of {report.ColdReadySeconds.Count}.

        | | figure | all rounds |
        |---|---:|---|
        | image size (`docker image inspect`, stand-in base included) | {report.ImageBytes / 1e6:F0} MB | |
        | base image stand-ins (made once; 0 when present) | {report.BaseImagesSeconds:F1} s | |
        | image build (cached layers reused when unchanged) | {report.BuildSeconds:F1} s | |
        | `docker run` → `/health/ready`, empty compiled-code cache (download, verify, compile the 2 pinned + 2 bundled modules) | {Median(report.ColdReadySeconds):F2} s | {All(report.ColdReadySeconds)} |
        | `docker run` → `/health/ready`, a volume with the cache a previous container left | {Median(report.WarmReadySeconds):F2} s | {All(report.WarmReadySeconds)} |
        | firenibble {report.Rows:N0} rows ({report.CopyBytes / 1e6:F0} MB), container: the run's duration | {Median(report.ContainerRunSeconds):F2} s ({report.Rows / Median(report.ContainerRunSeconds):N0} rows/s) | {All(report.ContainerRunSeconds)} |
        | same, container: SDK trigger → outcome seen | {Median(report.ContainerTriggerToEndSeconds):F2} s | {All(report.ContainerTriggerToEndSeconds)} |
        | same, `rapidbyte run` (the CLI, this checkout): the run's duration | {Median(report.CliRunSeconds):F2} s ({report.Rows / Median(report.CliRunSeconds):N0} rows/s) | {All(report.CliRunSeconds)} |
        | same, `rapidbyte run`: launch → exit | {Median(report.CliWallSeconds):F2} s | {All(report.CliWallSeconds)} |

        Container run / CLI run: {Median(report.ContainerRunSeconds) / Median(report.CliRunSeconds) * 100:F0} % of the CLI's time. Every load verified: row count and checksum equal to the source's.

        """;
}
