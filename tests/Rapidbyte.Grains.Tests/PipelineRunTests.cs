using System.Text.Json;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// Whole pipeline runs on a real silo with the real connectors against a real PostgreSQL:
/// cursors in grain state, failures mid-stream, retries, cancellation.
/// </summary>
public sealed class PipelineRunTests : IAsyncLifetime
{
    private const long SourceRows = 20_000;

    private PipelineDatabases _databases = null!;

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.ExecuteAsync(PipelineDatabases.Source, PipelineDatabases.SlowEventsSql);
    }

    public async Task DisposeAsync() => await _databases.DisposeAsync();

    [Fact]
    public async Task An_incremental_stream_resumes_from_the_cursor_its_last_run_committed()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
        var yaml = _databases.PipelineYaml("items", "- {name: items, sync_mode: incremental, cursor_field: id}", "upsert", "id");
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination));

        var first = await silo.RunAsync(yaml);
        await _databases.ExecuteAsync(PipelineDatabases.Source, "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1001, 1200) g");
        var second = await silo.RunAsync(yaml);

        Assert.True(first.Status == RunStatus.Succeeded, first.Streams.Single().Error);
        Assert.Equal(1000, first.Streams.Single().RowsRead);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        // The new rows only (the row at the checkpointed value, id 1000, is not read again).
        Assert.Equal(200, second.Streams.Single().RowsRead);
        var state = await silo.StreamStateAsync("items", "items");
        Assert.Equal("1200", CursorValue(state.Cursor));
        // Each run's first batch falls within the run, and the stored report keeps it.
        Assert.InRange(first.Streams.Single().FirstBatchAt!.Value, first.StartedAt, first.StartedAt + first.Duration);
        Assert.InRange(second.Streams.Single().FirstBatchAt!.Value, second.StartedAt, second.StartedAt + second.Duration);
        Assert.Equal(second.Streams.Single().FirstBatchAt, state.LastRun!.FirstBatchAt);
        Assert.Equal(0, await _databases.DifferenceAsync("items", "items"));
        var history = await silo.Grains.GetGrain<IPipelineGrain>("items").GetHistoryAsync();
        Assert.Equal([second.RunId, first.RunId], history.Select(r => r.RunId));
    }

    [Fact]
    public async Task Watchers_waiting_longer_than_the_run_see_its_end_when_it_comes()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE watched (id bigint PRIMARY KEY, name text); INSERT INTO watched SELECT g, 'row ' || g FROM generate_series(1, 500) g");
        var yaml = _databases.PipelineYaml("watched", "- {name: watched, sync_mode: full_refresh}");
        // The pipeline grain waits on its stream as long as a wait may last (20 s, the cap), and
        // so does the watcher on the pipeline: the run is seen succeeded by one wait, within
        // seconds, only if each wait returns when the run ends.
        var tenMinutes = TimeSpan.FromMinutes(10);
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), progressInterval: tenMinutes);

        var started = await silo.StartAsync(yaml);
        var finished = await silo.Grains.GetGrain<IPipelineGrain>("watched").WaitForRunAsync(started.RunId, tenMinutes).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(RunStatus.Succeeded, finished!.Status);
        Assert.Equal(500, finished.Streams.Single().RowsWritten);
        Assert.Equal(0, await _databases.DifferenceAsync("watched", "watched"));
    }

    [Fact]
    public async Task A_killed_source_connection_fails_the_run_keeps_the_cursor_at_committed_rows_and_a_rerun_catches_up()
    {
        var yaml = await SlowPipelineAsync("killed", "upsert");
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination));

        var started = await silo.StartAsync(yaml);
        await WhenCursorStoredAsync(silo, "killed");
        await TerminateSourceReadsAsync();
        var failed = await silo.FinishAsync(started);

        Assert.Equal(RunStatus.Failed, failed.Status);
        var stream = failed.Streams.Single();
        Assert.Contains("terminating connection due to administrator command", stream.Error);
        var cursor = long.Parse(CursorValue((await silo.StreamStateAsync("killed", "killed")).Cursor)!);
        Assert.InRange(cursor, 1, SourceRows - 1);
        // Every row up to the stored cursor is committed in the destination.
        Assert.Equal(cursor, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, $"SELECT count(*) FROM killed WHERE id <= {cursor}"));
        // The report counts exactly the rows that stayed; the destination took more than it committed.
        Assert.Equal(await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM killed"), stream.RowsCommitted);

        var rerun = await silo.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, rerun.Status);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "killed"));
        Assert.Equal(SourceRows.ToString(), CursorValue((await silo.StreamStateAsync("killed", "killed")).Cursor));
    }

    [Fact]
    public async Task A_retryable_failure_is_retried_from_the_committed_cursor()
    {
        var yaml = await SlowPipelineAsync("retried", "upsert");
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination), maxRetries: 2);

        var started = await silo.StartAsync(yaml);
        await WhenCursorStoredAsync(silo, "retried");
        await TerminateSourceReadsAsync();
        var run = await silo.FinishAsync(started);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Streams.Single().Attempts);
        // The second attempt started past the rows the first one committed.
        Assert.True(run.Streams.Single().RowsRead < 2 * SourceRows);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "retried"));
    }

    [Fact]
    public async Task A_replace_interrupted_midway_leaves_the_previous_table_intact()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE versions AS SELECT id, payload FROM events");
        await _databases.ExecuteAsync(PipelineDatabases.Source, "ALTER TABLE versions ADD PRIMARY KEY (id); CREATE VIEW swapped AS SELECT * FROM versions WHERE pace(id)");
        var yaml = _databases.PipelineYaml("swapped", "- {name: swapped, sync_mode: full_refresh}", "replace", "id",
            destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500");
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination));
        Assert.Equal(RunStatus.Succeeded, (await silo.RunAsync(yaml)).Status);
        await _databases.ExecuteAsync(PipelineDatabases.Source, "UPDATE versions SET payload = 'second version'");

        var started = await silo.StartAsync(yaml);
        await Eventually.WhenAsync(async () => (await silo.Grains.GetGrain<IPipelineGrain>("swapped").GetRunAsync(started.RunId))!.Streams.Single().RowsWritten >= 2000);
        await TerminateSourceReadsAsync();
        var failed = await silo.FinishAsync(started);

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "swapped"));
        Assert.Equal(0L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'swapped\\_\\_%'"));
    }

    [Fact]
    public async Task A_cancelled_run_stops_keeps_its_committed_cursor_and_refuses_a_second_run_meanwhile()
    {
        var yaml = await SlowPipelineAsync("cancelled", "append");
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination));
        var pipeline = silo.Grains.GetGrain<IPipelineGrain>("cancelled");

        var started = await silo.StartAsync(yaml);
        await Assert.ThrowsAsync<PipelineBusyException>(() => silo.StartAsync(yaml));
        await WhenCursorStoredAsync(silo, "cancelled");
        await pipeline.CancelRunAsync(started.RunId);
        var cancelled = await silo.FinishAsync(started);

        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        var cursor = long.Parse(CursorValue((await silo.StreamStateAsync("cancelled", "cancelled")).Cursor)!);
        Assert.InRange(cursor, 1, SourceRows - 1);
        // Append with no key: the destination holds exactly the committed rows, each once, none past them.
        var (count, max) = (await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM cancelled"),
                            await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT max(id) FROM cancelled"));
        Assert.Equal(cursor, count);
        Assert.Equal(cursor, max);
        Assert.Null(await pipeline.GetActiveRunAsync());
    }

    [Fact]
    public async Task Someone_else_writing_the_streams_state_stops_the_run_instead_of_overwriting_it()
    {
        var yaml = await SlowPipelineAsync("contested", "upsert");
        await using var silo = await PipelineSilo.StartAsync(_databases.Server.ConnectionString(PipelineDatabases.Destination));

        var started = await silo.StartAsync(yaml);
        const string StoredRow = "FROM rapidbyte_state.grain_state WHERE grain_type = 'stream' AND grain_id_extension = 'contested/contested'";
        await Eventually.WhenAsync(async () => await _databases.ScalarAsync<long>(PipelineDatabases.Destination, $"SELECT count(*) {StoredRow}") > 0);
        // Another writer (a second silo, a stale activation) moved the stored version on.
        var bumped = await _databases.ScalarAsync<int>(PipelineDatabases.Destination,
            $"UPDATE rapidbyte_state.grain_state SET version = version + 1 WHERE (service_id, grain_type, grain_id_extension) IN (SELECT service_id, grain_type, grain_id_extension {StoredRow}) RETURNING version");
        var failed = await silo.FinishAsync(started);

        Assert.Equal(RunStatus.Failed, failed.Status);
        // The next write refused: a cursor while rows move ("...so the run was stopped") or, had
        // the run just finished, its summary. Either way the other writer's row stands.
        Assert.Matches("^the stream's (cursor|state) could not be saved", failed.Streams.Single().Error);
        Assert.Equal(bumped, await _databases.ScalarAsync<int>(PipelineDatabases.Destination, $"SELECT version {StoredRow}"));

        // The stream is not stuck on the run that could not record its end: the next run supersedes it.
        var rerun = await silo.RunAsync(yaml);
        Assert.Equal(RunStatus.Succeeded, rerun.Status);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "contested"));
    }

    // A view over events named after the pipeline, read incrementally in batches of 500 and
    // committed every 1,000 rows, so cursors are stored while the run goes on.
    private async Task<string> SlowPipelineAsync(string name, string writeMode)
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, $"CREATE VIEW {name} AS SELECT * FROM events WHERE pace(id)");
        return _databases.PipelineYaml(name, $"- {{name: {name}, sync_mode: incremental, cursor_field: id}}", writeMode,
            writeMode == "upsert" ? "id" : null, destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500");
    }

    private static Task WhenCursorStoredAsync(PipelineSilo silo, string pipeline) =>
        Eventually.WhenAsync(async () => (await silo.StreamStateAsync(pipeline, pipeline)).Cursor is not null);

    // What an operator (or a failover) does to a connection: the server ends it.
    private async Task TerminateSourceReadsAsync() =>
        Assert.True(await _databases.TerminateCopiesAsync(PipelineDatabases.Source) > 0);

    private static string? CursorValue(string? checkpoint) =>
        checkpoint is null ? null : JsonDocument.Parse(checkpoint).RootElement.GetProperty("cursor").GetString();
}
