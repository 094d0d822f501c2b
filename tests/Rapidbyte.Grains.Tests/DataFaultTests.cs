using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// Faults on the data side while rows move: the destination's backend killed mid-COPY, the
/// PostgreSQL server restarted (source, destination and state on it). Retried with backoff,
/// and the destination equals the source at the end; an append that cannot be retried
/// without duplicating fails with the server's message and keeps every committed row once.
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
    [InlineData("upsert")]
    [InlineData("replace")]
    public async Task A_destination_backend_killed_mid_copy_is_retried_and_the_destination_equals_the_source(string writeMode)
    {
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), maxRetries: 3);
        var started = await silo.StartAsync(Pipeline(writeMode));

        await WhenWrittenAsync(silo, started, 2000);
        await Eventually.WhenAsync(async () => await _databases.TerminateCopiesAsync(PipelineDatabases.Destination) > 0);
        var run = await silo.FinishAsync(started);

        var stream = run.Streams.Single();
        Assert.True(run.Status == RunStatus.Succeeded, stream.Error);
        Assert.True(stream.Attempts >= 2, $"{stream.Attempts} attempts");
        Assert.Equal(0, await _databases.DifferenceAsync("events", "slow"));
    }

    [Fact]
    public async Task An_append_whose_destination_backend_is_killed_after_commits_fails_saying_why_and_keeps_each_row_once()
    {
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), maxRetries: 3);
        var started = await silo.StartAsync(Pipeline("append"));

        await Eventually.WhenAsync(async () => (await silo.StreamStateAsync("slow", "slow")).Cursor is not null);
        await Eventually.WhenAsync(async () => await _databases.TerminateCopiesAsync(PipelineDatabases.Destination) > 0);
        var run = await silo.FinishAsync(started);

        var stream = run.Streams.Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(1, stream.Attempts);
        var held = await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM slow");
        Assert.Equal(held, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(DISTINCT id) FROM slow"));
        Assert.Equal(held, stream.RowsCommitted);
        Assert.StartsWith("network error: the destination failed", stream.Error);
        Assert.EndsWith($"; not retried: its destination had committed {held} rows, and appending again could add some of them twice", stream.Error);
    }

    [Theory]
    [InlineData("upsert")]
    [InlineData("replace")]
    public async Task A_postgresql_restart_mid_run_is_retried_and_the_destination_equals_the_source(string writeMode)
    {
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), maxRetries: 5);
        var started = await silo.StartAsync(Pipeline(writeMode));

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

    private string Pipeline(string writeMode) => _databases.PipelineYaml("slow",
        writeMode == "replace" ? "- {name: slow, sync_mode: full_refresh}" : "- {name: slow, sync_mode: incremental, cursor_field: id}",
        writeMode, writeMode == "append" ? null : "id", destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500");

    private static Task WhenWrittenAsync(PipelineSilo silo, PipelineRunReport started, long rows) =>
        Eventually.WhenAsync(async () => (await silo.Grains.GetGrain<IPipelineGrain>(started.Pipeline).GetRunAsync(started.RunId))!.Streams.Single().RowsWritten >= rows);
}
