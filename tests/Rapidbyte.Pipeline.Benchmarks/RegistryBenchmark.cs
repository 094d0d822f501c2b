using System.Diagnostics;
using System.Text;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Pipeline.Benchmarks.Reporting;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Servers;
using Rapidbyte.Testing.Silos;

namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>
/// The connector registry benchmark: a silo's time to ready with 4 registered pipelines whose
/// connectors come from a Blob registry (Azurite), each pinned to modules of its own (8
/// digests): cold (an empty compiled-code cache: download, verify, compile) and warm (the
/// cache the cold start left). Process start to the first 200 of <c>/health/ready</c>.
/// </summary>
internal static class RegistryBenchmark
{
    private const int Pipelines = 4;

    public sealed record Report(
        DateTimeOffset When, MachineInfo Machine, string Commit, int Pipelines, int Modules, long ModuleBytes,
        IReadOnlyList<double> ColdSeconds, IReadOnlyList<double> WarmSeconds, IReadOnlyList<double> NoRegistrySeconds);

    public static Task RunAsync(BenchmarkOptions options, CancellationToken cancellationToken) =>
        WorkDirectory.RunInAsync("rapidbyte-bench-", work => RunInAsync(work, options, cancellationToken));

    private static async Task RunInAsync(string work, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(SiloProcess.Assembly))
        {
            throw new BenchmarkFailure($"{SiloProcess.Assembly} is missing: build with -c Release first");
        }
        Console.WriteLine($"{options.Title}: starting PostgreSQL and Azurite...");
        await using var databases = await PipelineDatabases.StartAsync();
        await using var azurite = await AzuriteServer.StartAsync();
        await databases.Server.ExecuteAsync("CREATE DATABASE state");
        var state = databases.Server.ConnectionString("state");
        await databases.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one');");

        // Each pipeline pinned to a source and a destination module of its own.
        var blob = BlobConnectorRegistry.Create(azurite.ConnectionString, "connectors");
        var source = await File.ReadAllBytesAsync(RepositoryPaths.Connector("source-postgres"), cancellationToken);
        var destination = await File.ReadAllBytesAsync(RepositoryPaths.Connector("dest-postgres"), cancellationToken);
        long bytes = 0;
        for (var i = 1; i <= Pipelines; i++)
        {
            bytes += (await blob.PublishAsync("source-postgres", $"1.0.{i}", ModuleVariants.Of(source, $"bench-{i}"), cancellationToken)).Size;
            bytes += (await blob.PublishAsync("dest-postgres", $"1.0.{i}", ModuleVariants.Of(destination, $"bench-{i}"), cancellationToken)).Size;
        }
        var registry = new Dictionary<string, string?> { ["Rapidbyte__Engine__Registry__ConnectionString"] = azurite.ConnectionString };

        // Registered through a first silo, which is then stopped.
        await using (var first = Start(state, registry, Path.Combine(work, "register")))
        {
            await first.WaitReadyAsync(TimeSpan.FromMinutes(2));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.HttpPort}") };
            for (var i = 1; i <= Pipelines; i++)
            {
                var yaml = databases.PipelineYaml($"bench-{i}", "- {name: items, sync_mode: full_refresh}", "replace")
                    .Replace("use: source-postgres", $"use: source-postgres@1.0.{i}", StringComparison.Ordinal)
                    .Replace("use: dest-postgres", $"use: dest-postgres@1.0.{i}", StringComparison.Ordinal)
                    .Replace(databases.Server.Password, "${RAPIDBYTE_BENCH_PASSWORD}", StringComparison.Ordinal);
                using var response = await http.PutAsync($"/v1/pipelines/bench-{i}", new StringContent(yaml, Encoding.UTF8, "application/yaml"), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new BenchmarkFailure($"registering bench-{i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            await StopAsync(first);
        }

        var rounds = options.Smoke ? 1 : options.Rounds;
        var cold = new List<double>();
        var warm = new List<double>();
        var none = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var cache = Path.Combine(work, $"cache-{round}");
            cold.Add(await TimeToReadyAsync(state, registry, cache, "cold", cancellationToken));
            warm.Add(await TimeToReadyAsync(state, registry, cache, "warm", cancellationToken));
            // The same silo with its bundled modules only (nothing registered needs fetching): the floor.
            none.Add(await TimeToReadyAsync(state,
                new Dictionary<string, string?> { ["Rapidbyte__Cluster__ClusterId"] = "bench-none", ["Rapidbyte__Cluster__ServiceId"] = "bench-none" },
                Path.Combine(work, $"cache-none-{round}"), "bundled only, cold", cancellationToken));
        }

        var report = new Report(DateTimeOffset.UtcNow, MachineInfo.Read(),
            await ToolVersions.FirstLineAsync("git", "-C", RepositoryPaths.Root, "rev-parse", "--short", "HEAD") ?? "unknown",
            Pipelines, Pipelines * 2, bytes, cold, warm, none);
        var markdown = Render(report);
        Console.WriteLine();
        Console.Write(markdown);
        if (!options.Smoke)
        {
            foreach (var path in ResultFiles.Write("registry", report, markdown))
            {
                Console.WriteLine($"wrote {path}");
            }
        }
        Console.WriteLine($"{options.Title}: passed: ready in {Median(cold):F1} s cold, {Median(warm):F1} s warm ({report.Modules} modules from the registry)");
    }

    private static SiloProcess Start(string state, IReadOnlyDictionary<string, string?> settings, string cache)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["Rapidbyte__Engine__CompiledCacheDirectory"] = cache,
            ["RAPIDBYTE_BENCH_PASSWORD"] = "unused",
        };
        return SiloProcess.Start(state, "bench", all);
    }

    private static async Task<double> TimeToReadyAsync(string state, IReadOnlyDictionary<string, string?> settings, string cache, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var silo = Start(state, settings, cache);
        await silo.WaitReadyAsync(TimeSpan.FromMinutes(3));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();
        Console.WriteLine($"  {what}: ready after {seconds:F2} s");
        await StopAsync(silo);
        return seconds;
    }

    // Gracefully, so it leaves the cluster: a silo that is only killed stays in the membership
    // table until declared dead, and the next silo's start waits on it.
    private static async Task StopAsync(SiloProcess silo)
    {
        await silo.TerminateAsync();
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    private static double Median(IReadOnlyList<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Render(Report report) => $"""
        # Connector registry: a silo's time to ready

        {report.When:u}, commit {report.Commit}, {report.Machine.Cores} cores. A silo process with {report.Pipelines} registered
        pipelines pinned to {report.Modules} modules of their own in a Blob registry (Azurite on loopback,
        {report.ModuleBytes / 1_048_576.0:F1} MB in all), from process start to the first 200 of `/health/ready`; medians of {report.ColdSeconds.Count}.

        | start | time to ready (median) | all rounds |
        |---|---:|---|
        | cold: empty compiled-code cache (download, verify, compile {report.Modules} + the bundled 3) | {Median(report.ColdSeconds):F2} s | {string.Join(", ", report.ColdSeconds.Select(s => $"{s:F2}"))} |
        | warm: the cache the cold start left | {Median(report.WarmSeconds):F2} s | {string.Join(", ", report.WarmSeconds.Select(s => $"{s:F2}"))} |
        | no registered pipelines, cold (the bundled 3 only) | {Median(report.NoRegistrySeconds):F2} s | {string.Join(", ", report.NoRegistrySeconds.Select(s => $"{s:F2}"))} |

        """;
}
