using System.Diagnostics;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Silos;
using Xunit.Abstractions;

namespace Rapidbyte.Silo.Tests;

/// <summary>
/// A run on a cluster of silo processes loses the silo of one of its streams (SIGKILL), then
/// the silo of its pipeline (SIGKILL), then a silo is drained (SIGTERM): it goes on, ends
/// succeeded, and the destination equals the source with no row twice, in every write mode.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string StateDatabase = "state";
    private const string PasswordVariable = "RAPIDBYTE_TEST_PASSWORD";
    private const int SourceRows = 24_000;
    private static readonly string[] Streams = ["s1", "s2", "s3"];

    private readonly List<SiloProcess> _silos = [];
    private PipelineDatabases _databases = null!;

    private string StateConnection => _databases.Server.ConnectionString(StateDatabase);

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.Server.ExecuteAsync($"CREATE DATABASE {StateDatabase}");
        // Each stream reads about 500 rows a second (a 1 s pause every 500 rows): ~50 s for
        // the table, long enough to lose two silos and drain a third on the way.
        await _databases.ExecuteAsync(PipelineDatabases.Source, $"""
            CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL);
            INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, {SourceRows}) g;
            CREATE FUNCTION pace(id bigint) RETURNS boolean LANGUAGE plpgsql AS
              $$ BEGIN IF id % 500 = 0 THEN PERFORM pg_sleep(1); END IF; RETURN true; END $$;
            CREATE FUNCTION pace_fast(id bigint) RETURNS boolean LANGUAGE plpgsql AS
              $$ BEGIN IF id % 500 = 0 THEN PERFORM pg_sleep(0.3); END IF; RETURN true; END $$;
            CREATE VIEW quick AS SELECT * FROM events WHERE pace_fast(id);
            ALTER DATABASE source SET enable_sort = off;
            """);
        foreach (var stream in Streams)
        {
            await _databases.ExecuteAsync(PipelineDatabases.Source, $"CREATE VIEW {stream} AS SELECT * FROM events WHERE pace(id)");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        await _databases.DisposeAsync();
    }

    [Theory]
    [InlineData("upsert")]
    [InlineData("append")]
    [InlineData("replace")]
    public async Task A_run_survives_losing_a_streams_silo_then_its_pipelines_silo_then_a_drain(string writeMode)
    {
        // Replace reloads a stream from the start when it moves, so it reads a full refresh;
        // the others go on incrementally from where their destination committed.
        var syncMode = writeMode == "replace" ? "sync_mode: full_refresh" : "sync_mode: incremental, cursor_field: id";
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartSilo().WaitReadyAsync()));
        await using var client = await ClusterClient.ConnectAsync(StateConnection);
        var password = _databases.Server.Password;
        // Secrets as references: the run's YAML may then be stored, and a silo taking the run
        // up reads the password from its own environment.
        var yaml = _databases.PipelineYaml("failover",
                string.Join('\n', Streams.Select(s => $"- {{name: {s}, {syncMode}}}")),
                writeMode, "id", destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500, parallel_streams: 3")
            .Replace(password, "${" + PasswordVariable + "}", StringComparison.Ordinal);
        var pipeline = client.Grains.GetGrain<IPipelineGrain>("failover");
        var started = await pipeline.StartRunAsync(
            new PipelineDefinition(yaml, "failover.yaml", new Dictionary<string, string> { [PasswordVariable] = password }), null);
        var total = Stopwatch.StartNew();
        void Progress(string step, PipelineRunReport r) => output.WriteLine($"{total.Elapsed.TotalSeconds,6:F1} s  {step}: {string.Join(", ", r.Streams.Select(s => $"{s.Stream} {s.Status} {s.RowsCommitted}"))}");

        // 1. SIGKILL the silo running a stream that has committed rows (replace: into its staging table).
        bool Moving(StreamRunReport s) => s is { Status: RunStatus.Running, Silo: not null } && (writeMode == "replace" ? s.RowsWritten > 0 : s.RowsCommitted > 0);
        var run = await UntilAsync(pipeline, started.RunId, r => r.Streams.Any(Moving));
        var stream = run.Streams.First(Moving);
        Progress("first commit", run);
        var clock = Stopwatch.StartNew();
        SiloRunning(stream.Silo!).Kill();
        StartSilo();
        run = await UntilAsync(pipeline, started.RunId, r => Of(r, stream.Stream).Resumes is { Count: > 0 });
        output.WriteLine($"SIGKILL of stream {stream.Stream}'s silo: taken up again after {clock.Elapsed.TotalSeconds:F1} s ({Of(run, stream.Stream).Resumes![0].Reason})");
        Progress("stream taken up", run);
        Assert.False(run.Status.IsFinished(), "the run ended before the next fault");

        // 2. SIGKILL the silo running the pipeline's own part of the run.
        var pipelineSilo = run.Silo!;
        clock.Restart();
        SiloRunning(pipelineSilo).Kill();
        StartSilo();
        run = await UntilAsync(pipeline, started.RunId, r => r.Resumes is { Count: > 0 } || r.Status.IsFinished());
        output.WriteLine($"SIGKILL of the pipeline's silo: taken over after {clock.Elapsed.TotalSeconds:F1} s");
        Progress("pipeline taken over", run);
        Assert.NotEmpty(run.Resumes!);
        Assert.False(run.Status.IsFinished(), "the run ended before the drain");

        // 3. SIGTERM (a drain) of a silo running a stream: it stops at a commit and goes on elsewhere.
        run = await UntilAsync(pipeline, started.RunId, r => r.Streams.Any(s => s is { Status: RunStatus.Running, Silo: not null }));
        var drained = run.Streams.First(s => s is { Status: RunStatus.Running, Silo: not null });
        var resumesBefore = drained.Resumes?.Count ?? 0;
        clock.Restart();
        await SiloRunning(drained.Silo!).TerminateAsync();
        run = await UntilAsync(pipeline, started.RunId, r => (Of(r, drained.Stream).Resumes?.Count ?? 0) > resumesBefore || Of(r, drained.Stream).Status.IsFinished());
        output.WriteLine($"SIGTERM of stream {drained.Stream}'s silo: taken up again after {clock.Elapsed.TotalSeconds:F1} s");
        Progress("drained stream taken up", run);

        var finished = await UntilAsync(pipeline, started.RunId, r => r.Status.IsFinished(), TimeSpan.FromMinutes(4));
        Progress("finished", finished);
        output.WriteLine(string.Join('\n', finished.Streams.Select(s => $"{s.Stream}: {s.Status}, {s.RowsCommitted} committed, {s.Attempts} attempts, {s.Resumes?.Count ?? 0} resumes")));
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        foreach (var name in Streams)
        {
            // Against the table under the paced view, which would take as long to read again as the run.
            Assert.Equal(0, await _databases.DifferenceAsync("events", name));
            Assert.Equal(SourceRows, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, $"SELECT count(DISTINCT id) FROM {name}"));
        }
        Assert.NotEmpty(Of(finished, stream.Stream).Resumes!);
        Assert.NotEmpty(finished.Resumes!);
        // The history keeps the outcome with every resume.
        var history = await pipeline.GetHistoryAsync();
        Assert.Equal(started.RunId, history[0].RunId);
        Assert.NotEmpty(history[0].Resumes!);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)] // the destination loads the new table with 4 connections
    public async Task A_replace_run_whose_silo_is_killed_loads_again_on_another_and_swaps_once(int parallelism)
    {
        await _databases.ExecuteAsync(PipelineDatabases.Destination, "CREATE TABLE quick (id bigint PRIMARY KEY, payload text NOT NULL); INSERT INTO quick VALUES (-1, 'yesterday')");
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => StartSilo().WaitReadyAsync()));
        await using var client = await ClusterClient.ConnectAsync(StateConnection);
        var (pipeline, started) = await StartAsync(client, "replaced", $"- {{name: quick, sync_mode: full_refresh, parallelism: {parallelism}}}", "replace", "id");

        var run = await UntilAsync(pipeline, started.RunId, r => r.Streams[0] is { Status: RunStatus.Running, RowsWritten: > 2000, Silo: not null });
        // Every connection is loading the new table when the silo goes.
        await UntilCopiesAsync(parallelism);
        SiloRunning(run.Streams[0].Silo!).Kill();
        // Until the swap, readers see yesterday's table whole.
        Assert.Equal(1L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM quick"));
        var finished = await UntilAsync(pipeline, started.RunId, r => r.Status.IsFinished(), TimeSpan.FromMinutes(3));

        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.NotEmpty(finished.Streams[0].Resumes!);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "quick"));
        Assert.Equal(0L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'quick\\_\\_%'"));
    }

    [Fact]
    public async Task A_full_refresh_append_whose_silo_is_killed_loads_again_on_another_and_appends_once()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Destination, "CREATE TABLE quick (id bigint, payload text NOT NULL); INSERT INTO quick VALUES (-1, 'yesterday')");
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => StartSilo().WaitReadyAsync()));
        await using var client = await ClusterClient.ConnectAsync(StateConnection);
        var (pipeline, started) = await StartAsync(client, "appended", "- {name: quick, sync_mode: full_refresh}", "append", null);

        var run = await UntilAsync(pipeline, started.RunId, r => r.Streams[0] is { Status: RunStatus.Running, RowsWritten: > 2000, Silo: not null });
        SiloRunning(run.Streams[0].Silo!).Kill();
        var finished = await UntilAsync(pipeline, started.RunId, r => r.Status.IsFinished(), TimeSpan.FromMinutes(3));

        Assert.True(finished.Status == RunStatus.Succeeded, finished.Streams[0].Error);
        Assert.NotEmpty(finished.Streams[0].Resumes!);
        // Yesterday's row and the table once: a full refresh appends in one transaction, so the
        // rows the lost silo had sent were never committed, and its commit marker says so.
        Assert.Equal(0, await _databases.DifferenceAsync("(SELECT * FROM events UNION ALL SELECT -1, 'yesterday') e", "quick"));
        Assert.Equal(SourceRows, finished.Streams[0].RowsCommitted);
        Assert.True(await _databases.ScalarAsync<bool>(PipelineDatabases.Destination,
            $"SELECT complete FROM rapidbyte_commit_markers WHERE stream = 'appended/quick' AND run = '{started.RunId}'"));
    }

    private async Task<(IPipelineGrain Pipeline, PipelineRunReport Started)> StartAsync(ClusterClient client, string name, string streams, string writeMode, string? primaryKey)
    {
        var password = _databases.Server.Password;
        var yaml = _databases.PipelineYaml(name, streams, writeMode, primaryKey, destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500")
            .Replace(password, "${" + PasswordVariable + "}", StringComparison.Ordinal);
        var pipeline = client.Grains.GetGrain<IPipelineGrain>(name);
        return (pipeline, await pipeline.StartRunAsync(
            new PipelineDefinition(yaml, $"{name}.yaml", new Dictionary<string, string> { [PasswordVariable] = password }), null));
    }

    // Waits until the destination database has this many COPY ... FROM STDIN going at once.
    private async Task UntilCopiesAsync(long copies)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long seen;
        while ((seen = await _databases.ScalarAsync<long>(PipelineDatabases.Destination,
                   "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %FROM STDIN%' AND state = 'active'")) != copies)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{seen} COPY ... FROM STDIN going in the destination, not {copies}");
            await Task.Delay(50);
        }
    }

    private SiloProcess StartSilo()
    {
        var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?> { [PasswordVariable] = _databases.Server.Password });
        _silos.Add(silo);
        return silo;
    }

    // Silo addresses read S127.0.0.1:<silo port>:<generation>.
    private SiloProcess SiloRunning(string siloAddress) =>
        _silos.Single(s => !s.HasExited && siloAddress.Contains($":{s.SiloPort}:", StringComparison.Ordinal));

    private static StreamRunReport Of(PipelineRunReport run, string stream) => run.Streams.Single(s => s.Stream == stream);

    // Polls the run through the cluster, riding out the calls that fail while a silo is lost.
    private static async Task<PipelineRunReport> UntilAsync(IPipelineGrain pipeline, string runId, Func<PipelineRunReport, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        PipelineRunReport? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await pipeline.GetRunAsync(runId);
                if (last is not null && condition(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"run {runId} did not get there in time; last seen: {(last is null ? "nothing" : string.Join(", ", last.Streams.Select(s => $"{s.Stream} {s.Status} {s.RowsCommitted} on {s.Silo}")))}");
    }
}
