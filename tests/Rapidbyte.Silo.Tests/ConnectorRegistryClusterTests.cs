using System.Text.RegularExpressions;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Servers;
using Rapidbyte.Testing.Silos;
using Xunit.Abstractions;

namespace Rapidbyte.Silo.Tests;

/// <summary>
/// Silo processes taking their connectors from a Blob registry (Azurite): each digest
/// downloaded and compiled once per silo, pinned at registration, prepared before a silo is
/// ready, and run while the registry is away.
/// </summary>
public sealed partial class ConnectorRegistryClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string StateDatabase = "state";
    private const string PasswordVariable = "RAPIDBYTE_TEST_PASSWORD";
    private const int Streams = 8;
    private const int Rows = 500;

    private readonly List<SiloProcess> _silos = [];
    private readonly List<string> _caches = [];
    private PipelineDatabases _databases = null!;
    private AzuriteServer _azurite = null!;

    private string StateConnection => _databases.Server.ConnectionString(StateDatabase);

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        _databases = await PipelineDatabases.StartAsync();
        await _databases.Server.ExecuteAsync($"CREATE DATABASE {StateDatabase}");
        await _databases.ExecuteAsync(PipelineDatabases.Source, string.Concat(Enumerable.Range(1, Streams).Select(i =>
            $"CREATE TABLE t{i} (id bigint PRIMARY KEY, name text); INSERT INTO t{i} SELECT g, 'row ' || g FROM generate_series(1, {Rows}) g;\n")));
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            var lines = silo.Output.Split('\n').Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal) || l.Contains("connector", StringComparison.Ordinal));
            output.WriteLine($"--- silo port {silo.SiloPort}{(silo.HasExited ? " (exited)" : "")}:\n{string.Join('\n', lines.TakeLast(30))}");
            await silo.DisposeAsync();
        }
        await _databases.DisposeAsync();
        await _azurite.DisposeAsync();
        foreach (var cache in _caches)
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task Silos_fetch_each_pinned_digest_once_keep_it_after_a_newer_push_and_run_it_while_the_registry_is_away()
    {
        // Modules only the registry has (the silos' bundled directory has other digests).
        var blob = BlobConnectorRegistry.Create(_azurite.ConnectionString, "connectors");
        var source = await blob.PublishAsync("source-postgres", "1.0.0", ModuleVariants.Of(await File.ReadAllBytesAsync(RepositoryPaths.Connector("source-postgres")), "1"));
        var destination = await blob.PublishAsync("dest-postgres", "1.0.0", ModuleVariants.Of(await File.ReadAllBytesAsync(RepositoryPaths.Connector("dest-postgres")), "1"));
        var first = StartSilo();
        await first.WaitReadyAsync();
        // No silo is killed here, and a registration downloads and compiles the modules it pins:
        // seconds on a busy machine (CI saw more than 5).
        await using var client = await ClusterClient.ConnectAsync(StateConnection, "registry", TimeSpan.FromMinutes(2));
        var pipeline = client.Grains.GetGrain<IPipelineGrain>("registry");
        var yaml = _databases.PipelineYaml("registry", string.Join('\n', Enumerable.Range(1, Streams).Select(i => $"- {{name: t{i}, sync_mode: full_refresh}}")),
                "replace", resources: $"parallel_streams: {Streams}")
            .Replace(_databases.Server.Password, "${" + PasswordVariable + "}", StringComparison.Ordinal);

        var registration = await pipeline.RegisterAsync(yaml, "registry.yaml");
        Assert.Equal([(source.Name, source.Version, source.Digest), (destination.Name, destination.Version, destination.Digest)],
            registration.Connectors!.Select(c => (c.Name, c.Version, c.Digest)));

        // A silo started now prepares the pinned modules before it says it is ready.
        var second = StartSilo();
        await second.WaitReadyAsync();
        Assert.Contains(source.Digest[..12], (await second.GetAsync("/health/ready"))!.Value.Body);
        var run = await RunAsync(pipeline);
        Assert.Equal(Streams, run.Streams.Count);
        Assert.All(run.Streams, s => Assert.Equal(Rows, s.RowsCommitted));
        foreach (var silo in new[] { first, second })
        {
            foreach (var digest in new[] { source.Digest, destination.Digest })
            {
                Assert.Equal(1, Count(silo, $"downloaded sha256:{digest}"));
                Assert.Equal(1, Count(silo, $"({digest[..12]}) Compiled"));
            }
        }

        // A newer push changes nothing for the registered pipeline until it is registered again.
        var newer = await blob.PublishAsync("source-postgres", "1.1.0", ModuleVariants.Of(await File.ReadAllBytesAsync(RepositoryPaths.Connector("source-postgres")), "2"));
        await RunAsync(pipeline);
        Assert.All(_silos, silo => Assert.DoesNotContain(newer.Digest, silo.Output));
        Assert.Equal(source.Digest, (await pipeline.GetRegistrationAsync())!.Connectors![0].Digest);

        // The registry away: warm silos run what they have; a new silo is not ready and says why.
        await _azurite.StopAsync();
        var offline = await RunAsync(pipeline);
        Assert.All(offline.Streams, s => Assert.Equal(Rows, s.RowsCommitted));
        var cold = StartSilo();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        (int Status, string Body)? ready;
        while ((ready = await cold.GetAsync("/health/ready")) is not { Body: var body } || !body.Contains("could not be prepared", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the silo never said why it was not ready: {ready?.Body}");
            await Task.Delay(500);
        }
        output.WriteLine(ready.Value.Body);
        Assert.Equal(503, ready.Value.Status);
        Assert.Contains(source.Digest, ready.Value.Body);
        Assert.Contains($"127.0.0.1:{_azurite.Port}", ready.Value.Body);

        // It becomes ready once the registry is back; registering again pins what is newest now.
        await _azurite.StartAgainAsync();
        await cold.WaitReadyAsync();
        Assert.Equal(1, Count(cold, $"downloaded sha256:{source.Digest}"));
        var again = await pipeline.RegisterAsync(yaml, "registry.yaml");
        Assert.Equal((registration.Version + 1, newer.Digest), (again.Version, again.Connectors![0].Digest));
    }

    private SiloProcess StartSilo()
    {
        var cache = Directory.CreateTempSubdirectory("rapidbyte-registry-silo-").FullName;
        _caches.Add(cache);
        var silo = SiloProcess.Start(StateConnection, "registry", new Dictionary<string, string?>
        {
            ["Rapidbyte__Engine__Registry__ConnectionString"] = _azurite.ConnectionString,
            ["Rapidbyte__Engine__CompiledCacheDirectory"] = cache,
            [PasswordVariable] = _databases.Server.Password,
        });
        _silos.Add(silo);
        return silo;
    }

    private static async Task<PipelineRunReport> RunAsync(IPipelineGrain pipeline)
    {
        var started = await pipeline.TriggerAsync(null);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var history = await pipeline.GetHistoryAsync();
            if (history.FirstOrDefault(r => r.RunId == started.RunId) is { } done && await pipeline.GetActiveRunAsync() is null)
            {
                Assert.True(done.Status == RunStatus.Succeeded, done.Error ?? string.Join("; ", done.Streams.Select(s => s.Error)));
                return done;
            }
            Assert.True(DateTime.UtcNow < deadline, $"run {started.RunId} did not end in time");
            await Task.Delay(200);
        }
    }

    private static int Count(SiloProcess silo, string text) => Regex.Matches(silo.Output, Regex.Escape(text)).Count;
}
