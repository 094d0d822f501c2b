using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// Faults on the data side while rows move: the source's or the destination's backend killed
/// mid-COPY (<c>pg_terminate_backend</c>), the PostgreSQL server restarted (source, destination and state on it). Retried with backoff,
/// and the destination equals the source at the end, in every write mode: an append resumes
/// right after its destination's commit marker, so no row is added twice.
/// </summary>
public sealed class DataFaultTests : IAsyncLifetime
{
    private const long SourceRows = 20_000;

    private PipelineDatabases _databases = null!;

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.ExecuteAsync(PipelineDatabases.Source, PipelineDatabases.SlowEventsSql + "CREATE VIEW slow AS SELECT * FROM events WHERE pace(id);");
    }

    public async Task DisposeAsync() => await _databases.DisposeAsync();

    [Theory]
    [InlineData(PipelineDatabases.Source, "upsert", "incremental")]
    [InlineData(PipelineDatabases.Source, "replace", "full_refresh")]
    [InlineData(PipelineDatabases.Source, "append", "incremental")]
    [InlineData(PipelineDatabases.Source, "append", "full_refresh")]
    [InlineData(PipelineDatabases.Destination, "upsert", "incremental")]
    [InlineData(PipelineDatabases.Destination, "replace", "full_refresh")]
    [InlineData(PipelineDatabases.Destination, "append", "incremental")]
    [InlineData(PipelineDatabases.Destination, "append", "full_refresh")]
    public async Task A_backend_killed_mid_copy_is_retried_and_the_destination_equals_the_source(string side, string writeMode, string syncMode)
    {
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), maxRetries: 3);
        var started = await silo.StartAsync(Pipeline(writeMode, syncMode));

        await WhenWrittenAsync(silo, started, 2000);
        await Eventually.WhenAsync(async () => await _databases.TerminateCopiesAsync(side) > 0);
        var run = await silo.FinishAsync(started);

        var stream = run.Streams.Single();
        Assert.True(run.Status == RunStatus.Succeeded, stream.Error);
        Assert.True(stream.Attempts >= 2, $"{stream.Attempts} attempts");
        Assert.Equal(0, await _databases.DifferenceAsync("events", "slow"));
    }

    [Theory]
    [InlineData("upsert", "incremental")]
    [InlineData("replace", "full_refresh")]
    [InlineData("append", "incremental")]
    [InlineData("append", "full_refresh")]
    public async Task A_postgresql_restart_mid_run_is_retried_and_the_destination_equals_the_source(string writeMode, string syncMode)
    {
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), maxRetries: 5);
        var started = await silo.StartAsync(Pipeline(writeMode, syncMode));

        await WhenWrittenAsync(silo, started, 2000);
        await _databases.Server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await _databases.Server.RestartAsync();
        var run = await silo.FinishAsync(started);

        var stream = run.Streams.Single();
        Assert.True(run.Status == RunStatus.Succeeded, stream.Error);
        Assert.True(stream.Attempts >= 2, $"{stream.Attempts} attempts");
        Assert.Equal(0, await _databases.DifferenceAsync("events", "slow"));
    }

    // Commits every 1,000 rows (append: where the source checkpointed, so a full refresh
    // commits once, at its end); the key is the view's too, for an exact incremental resume.
    private string Pipeline(string writeMode, string syncMode) => _databases.PipelineYaml("slow",
        syncMode == "full_refresh" ? "- {name: slow, sync_mode: full_refresh}" : "- {name: slow, sync_mode: incremental, cursor_field: id}",
        writeMode, "id", destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500");

    private static Task WhenWrittenAsync(PipelineSilo silo, PipelineRunReport started, long rows) =>
        Eventually.WhenAsync(async () => (await silo.Grains.GetGrain<IPipelineGrain>(started.Pipeline).GetRunAsync(started.RunId))!.Streams.Single().RowsWritten >= rows);
}
