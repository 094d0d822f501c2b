using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Rapidbyte.Contracts;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Grains.State;
using Rapidbyte.Grains.Telemetry;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Grains;

/// <summary>
/// Runs one stream. The connectors run on the thread pool (their slices never touch the
/// grain's scheduler); each cursor the destination's commits cover comes back through a
/// channel and is written to grain storage here, in order, so the stored cursor never passes
/// committed rows. A retryable failure is retried with backoff when doing so cannot
/// duplicate rows; anything else fails the stream with the connector's message.
/// The run is stored before it starts (<see cref="StreamState.Active"/>) and cleared when it
/// ends, so an activation on another silo, after this one's silo was lost or drained, takes
/// it up again from the last committed cursor when its pipeline asks.
/// </summary>
public sealed partial class StreamGrain(
    [PersistentState("stream", StateStorage.Name)] IPersistentState<StreamState> state,
    PipelineEngine engine,
    RunTelemetry telemetry,
    ILocalSiloDetails localSilo,
    ILogger<StreamGrain> logger) : Grain, IStreamGrain
{
    private StreamRun? _run;

    private string Silo => localSilo.SiloAddress.ToString();

    public Task StartAsync(string runId, PipelineDefinition definition) => StartAsync(runId, definition, reread: false);

    private async Task StartAsync(string runId, PipelineDefinition definition, bool reread)
    {
        var key = this.GetPrimaryKeyString();
        if (_run is { } current && (current.Outcome is null || current.RunId == runId))
        {
            if (current.RunId == runId)
            {
                return;
            }
            throw new PipelineBusyException($"stream {key}", current.RunId);
        }
        if (state.State.LastRun?.RunId == runId && state.State.Active?.RunId != runId)
        {
            return; // finished by an earlier activation
        }
        var (_, streamName) = StreamKey.Parse(key);
        if (state.State.Active is { } stale && stale.RunId != runId)
        {
            // Only its pipeline starts a stream, for the one run it holds: a stored run of
            // another id is one that never got to record its end (its final write failed).
            var reason = $"run {stale.RunId} never recorded its end; run {runId} of its pipeline superseded it";
            state.State.LastRun = new StreamRun(streamName, stale, Silo) { Status = RunStatus.Failed, Error = reason }.Snapshot(state.State.Cursor);
            state.State.Active = null;
            LogSuperseded(logger, key, stale.RunId, runId);
        }
        var spec = definition.Parse();
        var stream = spec.Source.Streams.FirstOrDefault(s => s.Name == streamName)
            ?? throw new ArgumentException($"pipeline {spec.Name} has no stream named {streamName}");

        var record = state.State.Active;
        if (record is null)
        {
            record = new StreamRunRecord { RunId = runId, StartedAt = DateTimeOffset.UtcNow };
        }
        else
        {
            // Stored by an activation that is gone (its silo was lost or drained): go on from what it committed.
            var cursor = stream.SyncMode == SyncMode.Incremental ? state.State.Cursor : null;
            record.Resumes.Add(new RunResume(DateTimeOffset.UtcNow, Silo, cursor, "its silo was lost or stopped while the stream ran"));
            LogResumed(logger, key, runId, Silo, cursor ?? "(none)");
        }
        state.State.Active = record;
        // Stored before anything moves: a lost silo must leave a record behind.
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException) when (!reread)
        {
            // Someone else wrote this stream's state since it was read (a stale activation, a
            // run that failed on exactly that): start again from what is stored now.
            await state.ReadStateAsync();
            await StartAsync(runId, definition, reread: true);
            return;
        }
        _run?.Dispose();
        _run = new StreamRun(streamName, record, Silo);
        // Runs on this grain's scheduler between other calls; only awaits leave it.
        _run.Completion = ExecuteGuardedAsync(_run, spec, stream);
    }

    public Task<StreamRunReport?> GetRunAsync(string runId) => Task.FromResult(
        _run?.RunId == runId ? _run.Snapshot(state.State.Cursor)
        : state.State.LastRun?.RunId == runId && state.State.Active?.RunId != runId ? state.State.LastRun
        : null);

    public async Task<StreamRunReport?> WaitForRunAsync(string runId, TimeSpan maxWait)
    {
        if (_run is { Outcome: null } run && run.RunId == runId)
        {
            await RunWait.UntilDoneOr(run.Completion, maxWait);
        }
        return await GetRunAsync(runId);
    }

    public Task CancelAsync(string runId)
    {
        if (_run is { Outcome: null } run && run.RunId == runId)
        {
            run.Cancellation.Cancel();
        }
        return Task.CompletedTask;
    }

    public Task<StreamState> GetStateAsync() => Task.FromResult(state.State);

    public async Task ResetAsync()
    {
        if (_run is { Outcome: null } running)
        {
            throw new PipelineBusyException($"stream {this.GetPrimaryKeyString()}", running.RunId);
        }
        if (state.State.Active is { } stored)
        {
            throw new PipelineBusyException($"stream {this.GetPrimaryKeyString()}", stored.RunId);
        }
        state.State = new StreamState { Epoch = Guid.NewGuid().ToString("N")[..12] };
        await state.WriteStateAsync();
    }

    // The key the destination's commit marker is kept under: the grain's, and after a reset its epoch too.
    private string MarkerStream() => state.State.Epoch is { } epoch ? $"{this.GetPrimaryKeyString()}@{epoch}" : this.GetPrimaryKeyString();

    public async Task AbandonAsync(string runId, string reason)
    {
        if (_run?.RunId == runId || state.State.Active is not { } record || record.RunId != runId)
        {
            return;
        }
        var (_, streamName) = StreamKey.Parse(this.GetPrimaryKeyString());
        var run = new StreamRun(streamName, record, Silo) { Status = RunStatus.Failed, Error = reason };
        state.State.LastRun = run.Snapshot(state.State.Cursor);
        state.State.Active = null;
        await state.WriteStateAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The silo is stopping (a drain, a new revision) or giving this grain up: the run stops at
        // its last commit and stays stored, for an activation elsewhere to take up, instead of
        // being cancelled. Only a cancel from the pipeline ends it early.
        if (_run is { Outcome: null } run)
        {
            run.HandingOver = true;
            run.Cancellation.Cancel();
            await run.Completion.WaitAsync(cancellationToken).ConfigureAwait(true);
            var (pipeline, _) = StreamKey.Parse(this.GetPrimaryKeyString());
            LogHandedOver(logger, this.GetPrimaryKeyString(), run.RunId, reason.Description);
            // Wakes the pipeline (wherever it is) to hand this stream to another silo now.
            GrainFactory.GetGrain<IPipelineGrain>(pipeline).StreamStoppedAsync(run.RunId).Ignore();
        }
    }

    // A fault of our own must still end the run, or its pipeline would wait on it for ever.
    private async Task ExecuteGuardedAsync(StreamRun run, PipelineSpec spec, StreamSpec stream)
    {
        try
        {
            await ExecuteAsync(run, spec, stream);
        }
        catch (Exception e) when (run.Outcome is null)
        {
            LogCrashed(logger, e, this.GetPrimaryKeyString(), run.RunId);
            Finish(run, RunStatus.Failed, $"the stream stopped on an internal error ({e.GetType().Name}: {e.Message}); its cursor stays at its last commit");
            state.State.LastRun = run.Outcome;
            state.State.Active = null;
            await WriteProgressAsync();
        }
    }

    private async Task ExecuteAsync(StreamRun run, PipelineSpec spec, StreamSpec stream)
    {
        var (pipeline, streamName) = StreamKey.Parse(this.GetPrimaryKeyString());
        using var activity = RunTelemetry.Activities.StartActivity("stream run");
        activity?.SetTag("rapidbyte.pipeline", pipeline).SetTag("rapidbyte.stream", streamName).SetTag("rapidbyte.run_id", run.RunId);
        var retryDelay = engine.Options.RetryDelay;
        if (run.Record.Resumes.Count > 0 && spec.Destination.WriteMode == WriteMode.Append && run.RowsCommitted > 0 && !run.Record.Marked)
        {
            // A destination that keeps no commit marker: the rows between its last commit and
            // the last stored cursor are not known, so appending from the cursor could add some
            // of them twice.
            Finish(run, RunStatus.Failed,
                $"the stream was interrupted after its destination committed {run.RowsCommitted} rows; appending again could add some of them twice, " +
                "so it was not taken up again: check the destination table, then run the pipeline again");
        }
        // Retries are counted per activation: a run taken up elsewhere gets its retries again.
        var attempts = 0;
        while (run.Outcome is null)
        {
            attempts++;
            run.Record.Attempts++;
            run.Status = RunStatus.Running;
            var (result, stateError) = await AttemptAsync(run, spec, stream);
            run.EndAttempt();
            if (run.HandingOver)
            {
                break;
            }
            if (stateError is not null)
            {
                Finish(run, RunStatus.Failed, stateError);
                break;
            }
            if (result.Succeeded)
            {
                Finish(run, RunStatus.Succeeded, null);
                break;
            }
            if (run.Cancellation.IsCancellationRequested)
            {
                Finish(run, RunStatus.Cancelled, "the run was cancelled; rows past the last commit were rolled back");
                break;
            }
            var error = Describe(result.Error!);
            if (!MayRetry(result, run, spec, attempts))
            {
                var appendedAlready = result.Error is { Retryable: true } && attempts <= engine.Options.MaxRetries;
                Finish(run, RunStatus.Failed, appendedAlready
                    ? $"{error}; not retried: its destination had committed {run.RowsCommitted} rows, and appending again could add some of them twice"
                    : error);
                break;
            }
            LogRetry(logger, this.GetPrimaryKeyString(), run.Record.Attempts, retryDelay.TotalSeconds, error);
            run.Status = RunStatus.Retrying;
            run.Error = error;
            try
            {
                await Task.Delay(retryDelay, run.Cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                if (run.HandingOver)
                {
                    break;
                }
                Finish(run, RunStatus.Cancelled, "the run was cancelled while waiting to retry after: " + error);
                break;
            }
            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, engine.Options.MaxRetryDelay.Ticks));
        }

        if (run.Outcome is null)
        {
            // Handed over: the record stays, with what this activation committed, for the next one.
            run.Save();
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception e)
            {
                LogHandOverNotSaved(logger, e, this.GetPrimaryKeyString(), run.RunId);
            }
            return;
        }

        state.State.LastRun = run.Outcome;
        state.State.Active = null;
        if (await WriteProgressAsync() is { } unsaved)
        {
            run.Outcome = run.Outcome with { Status = RunStatus.Failed, Error = $"the stream's state could not be saved: {unsaved}" };
        }
        var outcome = run.Outcome;
        telemetry.Finished(pipeline, outcome);
        activity?.SetTag("rapidbyte.status", outcome.Status.ToName()).SetTag("rapidbyte.rows_committed", outcome.RowsCommitted);
        if (outcome.Status == RunStatus.Failed)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.Error);
        }
        // Wakes the pipeline in case the activation that watched this stream is gone.
        GrainFactory.GetGrain<IPipelineGrain>(pipeline).StreamStoppedAsync(run.RunId).Ignore();
    }

    private async Task<(StreamRunResult Result, string? StateError)> AttemptAsync(StreamRun run, PipelineSpec spec, StreamSpec stream)
    {
        var commits = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Only an incremental stream resumes from a cursor; a full refresh keeps the stored one as it was.
        var cursor = stream.SyncMode == SyncMode.Incremental ? state.State.Cursor : null;
        var monitor = new StreamRunMonitor
        {
            CursorCommitted = stream.SyncMode == SyncMode.Incremental ? committed => commits.Writer.TryWrite(committed) : null,
            RowsCommitted = _ => commits.Writer.TryWrite(null),
        };
        run.Monitor = monitor;
        var persisting = PersistCommitsAsync(commits.Reader, run);
        // Off the grain's scheduler: loading a module may compile it (a second or more), and
        // the connectors' slices run on the thread pool anyway.
        var marker = new MarkerKey(MarkerStream(), run.RunId);
        var result = await Task.Run(() => RunStreamAsync(spec, stream, cursor, marker, monitor, run.Cancellation.Token));
        commits.Writer.Complete();
        return (result, await persisting);
    }

    // Off the grain's scheduler: touches no grain state.
    private async Task<StreamRunResult> RunStreamAsync(PipelineSpec spec, StreamSpec stream, string? cursor, MarkerKey marker, StreamRunMonitor monitor, CancellationToken cancellationToken)
    {
        StreamEndpoint source, destination;
        try
        {
            (source, destination) = await engine.Planner.PlanAsync(spec, stream, cursor, marker: marker, cancellationToken: cancellationToken);
        }
        catch (ConnectorNotFoundException e)
        {
            return new StreamRunResult(null, null, cursor, 0, 0, new ConnectorError(ErrorCategory.Config, e.Message));
        }
        catch (ConnectorRegistryException e)
        {
            // The registry away is retried like a database away; a refusal is not.
            return new StreamRunResult(null, null, cursor, 0, 0, new ConnectorError(e.Retryable ? ErrorCategory.Network : ErrorCategory.Config, e.Message, e.Retryable));
        }
        catch (ConnectorException e)
        {
            return new StreamRunResult(null, null, cursor, 0, 0, e.Error);
        }
        var resources = spec.Resources;
        return await engine.Runner.RunAsync(
            source, destination,
            resources.MaxInflightBatches, (long)resources.MaxInflightBatches * resources.BatchBytes * 2,
            monitor, cancellationToken);
    }

    // What each commit of the destination covers is stored before the next is looked at: the
    // newest cursor (null entries only say more rows were committed) and the run's counters. A
    // burst of commits is stored once. A failed write (an ETag conflict: someone else wrote this
    // stream's state) stops the run: going on could move rows no stored cursor accounts for.
    private async Task<string?> PersistCommitsAsync(ChannelReader<string?> commits, StreamRun run)
    {
        while (await commits.WaitToReadAsync())
        {
            string? newest = null;
            while (commits.TryRead(out var cursor))
            {
                newest = cursor ?? newest;
            }
            if (newest is not null)
            {
                state.State.Cursor = newest;
                state.State.CursorCommittedAt = DateTimeOffset.UtcNow;
            }
            run.Save();
            if (await WriteProgressAsync() is { } error)
            {
                await run.Cancellation.CancelAsync();
                return $"the stream's cursor could not be saved, so the run was stopped: {error}";
            }
        }
        return null;
    }

    // A state database that is away for a moment (a restart, a failover) is waited for, with
    // backoff, for up to a minute; someone else's write (an ETag conflict) is not.
    private async Task<string?> WriteProgressAsync()
    {
        var delay = TimeSpan.FromMilliseconds(250);
        var giveUp = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                await state.WriteStateAsync();
                return null;
            }
            catch (Exception e) when (e is not InconsistentStateException && DateTime.UtcNow < giveUp)
            {
                LogStateRetry(logger, this.GetPrimaryKeyString(), delay.TotalSeconds, e.Message);
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(8).Ticks));
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }
    }

    private bool MayRetry(StreamRunResult result, StreamRun run, PipelineSpec spec, int attempts) =>
        result.Error is { Retryable: true }
        && attempts <= engine.Options.MaxRetries
        // Appending again after some rows were committed would add them twice, unless the
        // destination keeps a commit marker to resume right after them; replace starts over and
        // upsert overwrites, so those retry whatever was committed.
        && (spec.Destination.WriteMode != WriteMode.Append || result.Marked || (result.CommittedBatches == 0 && run.RowsCommitted == 0));

    private static string Describe(ConnectorError error) => $"{error.Category.ToString().ToLowerInvariant()} error: {error.Message}";

    private void Finish(StreamRun run, RunStatus status, string? error)
    {
        run.Status = status;
        run.Error = error;
        run.Outcome = run.Snapshot(state.State.Cursor);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "stream {Stream}: run {RunId} stopped on an internal error")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string stream, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stream {Stream}: attempt {Attempt} failed, retrying in {Seconds:F0} s: {Error}")]
    private static partial void LogRetry(ILogger logger, string stream, int attempt, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stream {Stream}: its state could not be stored, trying again in {Seconds:F1} s: {Error}")]
    private static partial void LogStateRetry(ILogger logger, string stream, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stream {Stream}: stored run {Stale} never recorded its end; run {RunId} supersedes it")]
    private static partial void LogSuperseded(ILogger logger, string stream, string stale, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stream {Stream}: run {RunId} taken up again on silo {Silo} from cursor {Cursor}")]
    private static partial void LogResumed(ILogger logger, string stream, string runId, string silo, string cursor);

    [LoggerMessage(Level = LogLevel.Information, Message = "stream {Stream}: run {RunId} stopped at its last commit for another silo to take up ({Reason})")]
    private static partial void LogHandedOver(ILogger logger, string stream, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "stream {Stream}: the progress of run {RunId} could not be stored as it was handed over; the next silo goes on from the last stored cursor")]
    private static partial void LogHandOverNotSaved(ILogger logger, Exception exception, string stream, string runId);
}
