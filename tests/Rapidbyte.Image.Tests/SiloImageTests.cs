using System.Diagnostics;
using Rapidbyte.Client;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Containers;
using Rapidbyte.Testing.Identity;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Postgres;
using Rapidbyte.Testing.Servers;
using Xunit.Abstractions;

namespace Rapidbyte.Image.Tests;

/// <summary>
/// The service's container image end to end: built from the Dockerfile, two silo containers
/// form a cluster through a PostgreSQL state database, take their connectors from the Blob
/// registry (Azurite), and run a pipeline registered and triggered through the client SDK with
/// tokens of an OpenID Connect issuer; a container stopped (SIGTERM) mid-run hands the run to
/// the other, which finishes it with every row once. Each phase's time goes to the test output.
/// </summary>
public sealed class SiloImageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClusterId = "image";
    private const string StateDatabase = "state";
    private const string PasswordVariable = "RAPIDBYTE_TEST_PASSWORD";
    private const int ItemRows = 20_000;
    private const int EventRows = 24_000;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<SiloContainer> _silos = [];
    private DockerEngine? _docker;
    private PipelineDatabases? _databases;
    private PostgresServer? _state;
    private AzuriteServer? _azurite;
    private TokenIssuer? _issuer;

    public async Task InitializeAsync()
    {
        _docker = await DockerEngine.StartAsync();
        Phase("docker engine up");
        // The image builds while the servers start: neither needs the other.
        var servers = StartServersAsync();
        var (baseImages, image) = await SiloImage.BuildAsync(_docker);
        output.WriteLine($"  base image stand-ins {baseImages.TotalSeconds:F1} s, image build {image.TotalSeconds:F1} s, image {await SiloImage.SizeAsync(_docker) / 1e6:F0} MB");
        await servers;
        Phase("image built, servers up");
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            var lines = (await silo.LogsAsync()).Split('\n')
                .Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal) || l.Contains("connector", StringComparison.Ordinal));
            output.WriteLine($"--- container {silo.Name}:\n{string.Join('\n', lines.TakeLast(20))}");
            await silo.DisposeAsync();
        }
        _silos.Clear();
        foreach (var disposable in new IAsyncDisposable?[] { _docker, _issuer, _azurite, _databases, _state })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
        (_docker, _issuer, _azurite, _databases, _state) = (null, null, null, null, null);
    }

    [Fact]
    public async Task Two_silo_containers_run_a_registered_pipeline_from_the_registry_and_hand_a_run_over_on_SIGTERM()
    {
        // The registry publishes builds of its own (other digests than the image's bundled ones),
        // so a run that succeeds with them pins and downloads from Blob, not from the image.
        var registry = BlobConnectorRegistry.Create(_azurite!.ConnectionString, "connectors");
        var source = await registry.PublishAsync("source-postgres", "1.0.0", ModuleVariants.Of(await File.ReadAllBytesAsync(RepositoryPaths.Connector("source-postgres")), "image"));
        var destination = await registry.PublishAsync("dest-postgres", "1.0.0", ModuleVariants.Of(await File.ReadAllBytesAsync(RepositoryPaths.Connector("dest-postgres")), "image"));

        _silos.AddRange(await Task.WhenAll(StartSiloAsync(), StartSiloAsync()));
        await Task.WhenAll(_silos.Select(s => s.WaitReadyAsync()));
        Phase("two silo containers ready");

        var options = new RapidbyteClientOptions { AccessToken = _issuer!.Issue("image-tests", "Rapidbyte.Admin") };
        foreach (var silo in _silos)
        {
            options.Endpoints.Add(silo.Endpoint);
        }
        using var client = RapidbyteClient.Create(options);

        // 1. Register, trigger, and compare.
        var registration = await client.RegisterPipelineAsync("items", Yaml("items", "- {name: items, sync_mode: full_refresh}", "replace"));
        Assert.Equal([("source-postgres", source.Digest), ("dest-postgres", destination.Digest)], registration.Connectors!.Select(c => (c.Name, c.Digest)));
        var started = await client.TriggerRunAsync("items");
        var first = await client.WaitForRunAsync("items", started.RunId);
        Assert.True(first.Status == RunStatus.Succeeded, first.Error ?? string.Join("; ", first.Streams.Select(s => s.Error)));
        Assert.Equal(ItemRows, first.Streams.Single().RowsCommitted);
        Assert.Equal(ItemRows, await _databases!.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        Assert.Equal(0, await _databases.DifferenceAsync("items", "items"));
        var logs = string.Concat(await Task.WhenAll(_silos.Select(s => s.LogsAsync())));
        Assert.Contains($"downloaded sha256:{source.Digest}", logs, StringComparison.Ordinal);
        Phase($"first run: {ItemRows:N0} rows in {first.Duration.TotalSeconds:F1} s, destination equal to the source");

        // 2. A slow run (about 12 s); once its stream has committed rows, stop its container.
        // The view's key (primary_key): a resume skips exactly the rows read at its cursor value.
        await client.RegisterPipelineAsync("events", Yaml("events", "- {name: paced_events, sync_mode: incremental, cursor_field: id}", "append",
            primaryKey: "id", destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500"));
        var run = await client.TriggerRunAsync("events");
        var moving = await UntilAsync(client, "events", run.RunId, r => r.Streams[0] is { Status: RunStatus.Running, RowsCommitted: > 0, Silo: not null });
        var stopped = _silos.Single(s => moving.Streams[0].Silo!.Contains($":{s.SiloPort}:", StringComparison.Ordinal));
        var survivor = _silos.Single(s => s != stopped);
        var clock = Stopwatch.StartNew();
        var exitCode = await stopped.StopAsync(TimeSpan.FromSeconds(60));
        Phase($"SIGTERM to {stopped.Name} at {moving.Streams[0].RowsCommitted:N0} rows committed: stopped after {clock.Elapsed.TotalSeconds:F1} s, exit code {exitCode}");
        var finished = await UntilAsync(client, "events", run.RunId, r => r.Status.IsFinished(), TimeSpan.FromMinutes(3));
        var stream = finished.Streams.Single();
        Phase($"second run finished {clock.Elapsed.TotalSeconds:F1} s after the SIGTERM: {stream.Status}, {stream.RowsCommitted:N0} rows, resumes: {string.Join("; ", (stream.Resumes ?? []).Select(r => $"{r.Silo} ({r.Reason})"))}");

        // The silo left by itself within the grace period (0), not killed at its end (137).
        Assert.Equal(0, exitCode);
        Assert.True(finished.Status == RunStatus.Succeeded, finished.Error ?? stream.Error);
        var resume = Assert.Single(stream.Resumes ?? []);
        Assert.Contains($":{survivor.SiloPort}:", resume.Silo, StringComparison.Ordinal);
        Assert.Equal(EventRows, stream.RowsCommitted);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "paced_events"));
        Assert.Equal(EventRows, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(DISTINCT id) FROM paced_events"));
        // The history, read through the surviving silo, keeps the hand-over with the outcome.
        var history = await client.ListRunsAsync("events");
        Assert.Equal(run.RunId, history.Runs[0].RunId);
        Assert.NotEmpty(history.Runs[0].Streams[0].Resumes!);
    }

    private async Task StartServersAsync()
    {
        var (databases, state, azurite, issuer) = (PipelineDatabases.StartAsync(), PostgresServer.StartAsync(), AzuriteServer.StartAsync(), TokenIssuer.StartAsync());
        (_databases, _state, _azurite, _issuer) = (await databases, await state, await azurite, await issuer);
        await _state.ExecuteAsync($"CREATE DATABASE {StateDatabase}");
        // paced_events reads 500 rows, then sleeps 0.25 s: ~12 s for the table, a run to interrupt.
        await _databases.ExecuteAsync(PipelineDatabases.Source, $"""
            CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2), added timestamptz NOT NULL);
            INSERT INTO items SELECT g, 'item ' || g, g * 0.25, '2026-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, {ItemRows}) g;
            CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL);
            INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, {EventRows}) g;
            CREATE FUNCTION pace(id bigint) RETURNS boolean LANGUAGE plpgsql AS
              $$ BEGIN IF id % 500 = 0 THEN PERFORM pg_sleep(0.25); END IF; RETURN true; END $$;
            CREATE VIEW paced_events AS SELECT * FROM events WHERE pace(id);
            ALTER DATABASE source SET enable_sort = off;
            """);
    }

    // Out of development mode, as deployed: API tokens from the issuer, and connectors may reach
    // the data server (loopback here) but never the state database, which is another server.
    private Task<SiloContainer> StartSiloAsync() =>
        SiloContainer.StartAsync(_docker!, SiloImage.Tag, _state!.ConnectionString(StateDatabase), ClusterId, new Dictionary<string, string>
        {
            ["Rapidbyte__Engine__Registry__ConnectionString"] = _azurite!.ConnectionString,
            ["Rapidbyte__Api__Authentication__Authority"] = _issuer!.Authority,
            ["Rapidbyte__Api__Authentication__Audience"] = TokenIssuer.Audience,
            ["Rapidbyte__Egress__AllowedCidrs__0"] = "127.0.0.1/32",
            // A run whose pipeline's silo is gone is taken over sooner than in production.
            ["Rapidbyte__Engine__RunLeaseTimeout"] = "00:00:08",
            ["Rapidbyte__Engine__RunCheckInterval"] = "00:00:04",
            [PasswordVariable] = _databases!.Server.Password,
        });

    private string Yaml(string name, string streams, string writeMode, string? primaryKey = null, string destinationExtra = "", string resources = "") =>
        _databases!.PipelineYaml(name, streams, writeMode, primaryKey, destinationExtra, resources)
            .Replace(_databases.Server.Password, "${" + PasswordVariable + "}", StringComparison.Ordinal);

    private void Phase(string what) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1} s] {what}");

    // Polls the run through the SDK, riding out answers that fail while a silo leaves.
    private static async Task<PipelineRunReport> UntilAsync(IRapidbyteClient client, string pipeline, string runId, Func<PipelineRunReport, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        PipelineRunReport? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await client.GetRunAsync(pipeline, runId);
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RapidbyteApiException { Problem.Status: >= 500 })
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"run {runId} did not get there in time; last seen: {(last is null ? "nothing" : string.Join(", ", last.Streams.Select(s => $"{s.Stream} {s.Status} {s.RowsCommitted} on {s.Silo}")))}");
    }
}
