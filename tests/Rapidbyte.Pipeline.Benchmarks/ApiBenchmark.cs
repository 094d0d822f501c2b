using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rapidbyte.Client;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipeline.Benchmarks.Reporting;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Servers;
using Rapidbyte.Testing.Silos;

namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>
/// The API benchmark (<c>--api</c>): on one warm silo process, trigger → first batch of a
/// 1-row pipeline through the SDK; the read endpoints under 50 concurrent loopback callers
/// while a large run moves, and that run's throughput against the same run alone; and
/// <c>rapidbyte run</c> of the 1-row pipeline handed to a warm <c>rapidbyte serve</c> against
/// an embedded run (launch → first batch, launch → exit).
/// </summary>
internal static class ApiBenchmark
{
    private const int Callers = 50;
    private const int Triggers = 20;
    private const string PasswordVariable = "RAPIDBYTE_BENCH_PASSWORD";

    public static Task RunAsync(BenchmarkOptions options, CancellationToken cancellationToken) =>
        WorkDirectory.RunInAsync("rapidbyte-bench-api-", work => RunInAsync(work, options, cancellationToken));

    private static async Task RunInAsync(string work, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine($"{options.Title}: starting PostgreSQL...");
        await using var databases = await PipelineDatabases.StartAsync();
        await databases.Server.ExecuteAsync("CREATE DATABASE state");
        await databases.ExecuteAsync(PipelineDatabases.Source, $"""
            CREATE TABLE one (id bigint PRIMARY KEY, name text);
            INSERT INTO one VALUES (1, 'one');
            CREATE TABLE big (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamptz);
            INSERT INTO big SELECT g, md5(g::text), g % 10000 / 100.0, now() - g * interval '1 second' FROM generate_series(1, {options.Rows}) g;
            """);
        await databases.ExecuteAsync(PipelineDatabases.Source, "VACUUM ANALYZE big");
        await using var silo = SiloProcess.Start(databases.Server.ConnectionString("state"), settings: new Dictionary<string, string?>
        {
            ["Rapidbyte__Engine__CompiledCacheDirectory"] = Path.Combine(work, "compiled"),
            // The API itself is measured, not the limiter: every loopback caller is the same development user.
            ["Rapidbyte__Api__RateLimit__RequestsPerSecond"] = "1000000",
            ["Rapidbyte__Api__RateLimit__Burst"] = "1000000",
            [PasswordVariable] = databases.Server.Password,
        });
        await silo.WaitReadyAsync(TimeSpan.FromMinutes(2));
        var options2 = new RapidbyteClientOptions();
        options2.Endpoints.Add(new Uri($"http://127.0.0.1:{silo.HttpPort}/"));
        using var client = RapidbyteClient.Create(options2);
        await client.RegisterPipelineAsync("one", Registered(databases, "one"));
        await client.RegisterPipelineAsync("big", Registered(databases, "big"));

        // Trigger -> first batch on a warm silo.
        var firstBatch = new List<double>();
        var whole = new List<double>();
        for (var i = 0; i < Triggers + 3; i++)
        {
            var sent = DateTimeOffset.UtcNow;
            var run = await client.TriggerRunAsync("one", cancellationToken: cancellationToken);
            var done = await client.WaitForRunAsync("one", run.RunId, cancellationToken);
            var ended = DateTimeOffset.UtcNow;
            if (done.Status != RunStatus.Succeeded || done.Streams[0].FirstBatchAt is not { } first)
            {
                throw new BenchmarkFailure($"run {run.RunId} of one: {done.Status} {done.Streams[0].Error}");
            }
            if (i >= 3) // the first runs warm the silo
            {
                firstBatch.Add((first - sent).TotalMilliseconds);
                whole.Add((ended - sent).TotalMilliseconds);
            }
        }
        Console.WriteLine($"trigger -> first batch: p50 {P(firstBatch, 50):F0} ms, p95 {P(firstBatch, 95):F0} ms; trigger -> outcome seen p50 {P(whole, 50):F0} ms");

        // The big run alone, then with 50 callers reading as fast as they can, then with 50
        // callers reading twice a second each (a wall of dashboards).
        var alone = await RunBigAsync(client, cancellationToken);
        Console.WriteLine($"big run alone: {alone.Rows:N0} rows in {alone.Seconds:F2} s");
        var flat = await UnderReadsAsync(client, silo.HttpPort, TimeSpan.Zero, cancellationToken);
        var paced = await UnderReadsAsync(client, silo.HttpPort, TimeSpan.FromMilliseconds(500), cancellationToken);

        // rapidbyte run of the 1-row pipeline: handed to a warm local server, and embedded.
        var cli = await CliRunsAsync(databases, work, cancellationToken);

        var markdown = new StringBuilder()
            .AppendLine("# API benchmark")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {MachineInfo.Read().Cores} cores, {MachineInfo.Read().CpuModel}; commit {await ToolVersions.FirstLineAsync("git", "-C", RepositoryPaths.Root, "rev-parse", "--short", "HEAD")}; one silo process, PostgreSQL on the same machine; every caller on loopback.")
            .AppendLine()
            .AppendLine("| measure | value |")
            .AppendLine("|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| API trigger → first batch, 1-row pipeline, warm silo (SDK; {Triggers} runs) | p50 {P(firstBatch, 50):F0} ms, p95 {P(firstBatch, 95):F0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| API trigger → outcome seen by the SDK's watch | p50 {P(whole, 50):F0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| read endpoints, {Callers} concurrent callers as fast as they can, during a {options.Rows:N0}-row run | {flat.RequestsPerSecond:F0} requests/s, p50 {flat.P50:F1} ms, p99 {flat.P99:F1} ms, {flat.Errors} errors |")
            .AppendLine(CultureInfo.InvariantCulture, $"| that run alone / under that load | {alone.Rows / alone.Seconds:N0} / {flat.Run.Rows / flat.Run.Seconds:N0} rows/s ({(alone.Seconds / flat.Run.Seconds - 1) * 100:+0;-0} %) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| read endpoints, {Callers} callers reading twice a second each, during the same run | {paced.RequestsPerSecond:F0} requests/s, p50 {paced.P50:F1} ms, p99 {paced.P99:F1} ms, {paced.Errors} errors |")
            .AppendLine(CultureInfo.InvariantCulture, $"| that run under that load | {paced.Run.Rows / paced.Run.Seconds:N0} rows/s ({(alone.Seconds / paced.Run.Seconds - 1) * 100:+0;-0} %) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| `rapidbyte run` 1-row table, handed to a warm `rapidbyte serve`: launch → first batch, launch → exit (median of {cli.Rounds}) | {cli.ServedFirstBatch:F2} s, {cli.ServedExit:F2} s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| the same, `--embedded` | {cli.EmbeddedFirstBatch:F2} s, {cli.EmbeddedExit:F2} s |")
            .ToString();
        Console.WriteLine();
        Console.Write(markdown);
        if (!options.Smoke)
        {
            foreach (var path in ResultFiles.Write("api", new { first_batch_ms = firstBatch, alone_seconds = alone.Seconds, flat, paced, cli }, markdown))
            {
                Console.WriteLine($"wrote {path}");
            }
        }
        Console.WriteLine($"{options.Title}: passed");
    }

    internal sealed record ReadLoad(double RequestsPerSecond, double P50, double P99, int Errors, (long Rows, double Seconds) Run);

    // The big run while 50 callers read, each waiting `pause` between its requests.
    private static async Task<ReadLoad> UnderReadsAsync(RapidbyteClient client, int port, TimeSpan pause, CancellationToken cancellationToken)
    {
        using var load = new CancellationTokenSource();
        var latencies = new List<double>[Callers];
        var errors = 0;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Callers }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var clock = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            var paths = new[] { "v1/pipelines/one", "v1/pipelines/one/runs?limit=20", "v1/pipelines" };
            for (var i = 0; !load.IsCancellationRequested; i++)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.GetAsync(paths[i % paths.Length], load.Token);
                    await response.Content.CopyToAsync(Stream.Null, load.Token);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    latencies[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (pause > TimeSpan.Zero)
                    {
                        await Task.Delay(pause, load.Token);
                    }
                }
                catch (OperationCanceledException) when (load.IsCancellationRequested)
                {
                    return;
                }
            }
        }, CancellationToken.None)).ToList();
        var run = await RunBigAsync(client, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        await load.CancelAsync();
        await Task.WhenAll(callers);
        var all = latencies.SelectMany(l => l).ToList();
        var result = new ReadLoad(all.Count / seconds, P(all, 50), P(all, 99), errors, run);
        Console.WriteLine($"big run with {Callers} callers pausing {pause.TotalMilliseconds:F0} ms: {run.Seconds:F2} s; reads {result.RequestsPerSecond:F0}/s, p50 {result.P50:F1} ms, p99 {result.P99:F1} ms, {errors} errors");
        return result;
    }

    // A registered pipeline holds no literal secret: its password is a reference the silo resolves.
    private static string Registered(PipelineDatabases databases, string table) =>
        databases.PipelineYaml(table, $"- {{name: {table}, sync_mode: full_refresh}}", "replace")
            .Replace(databases.Server.Password, "${" + PasswordVariable + "}", StringComparison.Ordinal);

    private static async Task<(long Rows, double Seconds)> RunBigAsync(RapidbyteClient client, CancellationToken cancellationToken)
    {
        var run = await client.TriggerRunAsync("big", cancellationToken: cancellationToken);
        var done = await client.WaitForRunAsync("big", run.RunId, cancellationToken);
        if (done.Status != RunStatus.Succeeded)
        {
            throw new BenchmarkFailure($"run {run.RunId} of big: {done.Status} {done.Streams[0].Error}");
        }
        return (done.Streams[0].RowsCommitted, done.Duration.TotalSeconds);
    }

    internal sealed record CliTimes(int Rounds, double ServedFirstBatch, double ServedExit, double EmbeddedFirstBatch, double EmbeddedExit);

    private static async Task<CliTimes> CliRunsAsync(PipelineDatabases databases, string work, CancellationToken cancellationToken)
    {
        const int Rounds = 5;
        var file = Path.Combine(work, "one.yaml");
        await File.WriteAllTextAsync(file, databases.PipelineYaml("one", "- {name: one, sync_mode: full_refresh}", "replace"), cancellationToken);
        var environment = new Dictionary<string, string> { ["XDG_DATA_HOME"] = work, ["XDG_CACHE_HOME"] = Path.Combine(work, "cache") };
        var port = LoopbackPorts.Unused();
        using var server = Start(environment, "serve", file, "--port", port.ToString(CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!File.Exists(Path.Combine(work, "rapidbyte", "server.json")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }
        var served = new List<(double, double)>();
        var embedded = new List<(double, double)>();
        for (var i = 0; i < Rounds + 1; i++)
        {
            var a = await TimeRunAsync(environment, file, []);
            var b = await TimeRunAsync(environment, file, ["--embedded"]);
            if (i > 0) // the first of each warms the caches
            {
                served.Add(a);
                embedded.Add(b);
            }
        }
        server.Kill();
        await server.WaitForExitAsync(cancellationToken);
        return new CliTimes(Rounds, P(served.Select(s => s.Item1).ToList(), 50), P(served.Select(s => s.Item2).ToList(), 50),
            P(embedded.Select(s => s.Item1).ToList(), 50), P(embedded.Select(s => s.Item2).ToList(), 50));
    }

    // Seconds from launch to the first batch and to exit.
    private static async Task<(double FirstBatch, double Exit)> TimeRunAsync(Dictionary<string, string> environment, string file, string[] extra)
    {
        var launched = DateTimeOffset.UtcNow;
        using var process = Start(environment, ["run", file, "--json", .. extra]);
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var exited = DateTimeOffset.UtcNow;
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailure($"rapidbyte run {string.Join(' ', extra)} exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
        }
        var first = JsonDocument.Parse(stdout).RootElement.GetProperty("streams")[0].GetProperty("first_batch_at").GetDateTimeOffset();
        return ((first - launched).TotalSeconds, (exited - launched).TotalSeconds);
    }

    // The installed tool (precompiled, as users run it) when there is one, else the build's.
    private static Process Start(Dictionary<string, string> environment, params string[] arguments)
    {
        var installed = File.Exists("/usr/local/bin/rapidbyte");
        var start = new ProcessStartInfo(installed ? "/usr/local/bin/rapidbyte" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!installed)
        {
            start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "src", "Rapidbyte.Cli", "bin", "Release", "net10.0", "rapidbyte.dll"));
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return Process.Start(start)!;
    }

    private static double P(List<double> samples, int percentile)
    {
        var sorted = samples.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }
}
