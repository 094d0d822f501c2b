using System.Threading.Channels;
using Microsoft.Extensions.Logging;
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
/// </summary>
public sealed partial class StreamGrain(
    [PersistentState("stream", StateStorage.Name)] IPersistentState<StreamState> state,
    PipelineEngine engine,
    RunTelemetry telemetry,
    ILogger<StreamGrain> logger) : Grain, IStreamGrain
{
    private StreamRun? _run;

    public Task StartAsync(string runId, PipelineDefinition definition)
    {
        if (_run is { Outcome: null })
        {
            return _run.RunId == runId ? Task.CompletedTask : throw new PipelineBusyException($"stream {this.GetPrimaryKeyString()}", _run.RunId);
        }
        var (_, streamName) = StreamKey.Parse(this.GetPrimaryKeyString());
        var spec = definition.Parse();
        var stream = spec.Source.Streams.FirstOrDefault(s => s.Name == streamName)
            ?? throw new ArgumentException($"pipeline {spec.Name} has no stream named {streamName}");
        _run?.Dispose();
        _run = new StreamRun(streamName, runId);
        // Runs on this grain's scheduler between other calls; only awaits leave it.
        _run.Completion = ExecuteAsync(_run, spec, stream);
        return Task.CompletedTask;
    }

    public Task<StreamRunReport?> GetRunAsync(string runId) => Task.FromResult(
        _run?.RunId == runId ? _run.Snapshot(state.State.Cursor)
        : state.State.LastRun?.RunId == runId ? state.State.LastRun
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

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A silo shutting down stops the run the way a user's cancel would: nothing past the last commit is kept.
        if (_run is { Outcome: null } run)
        {
            run.Cancellation.Cancel();
            await run.Completion.WaitAsync(cancellationToken).ConfigureAwait(true);
        }
    }

    private async Task ExecuteAsync(StreamRun run, PipelineSpec spec, StreamSpec stream)
    {
        var (pipeline, streamName) = StreamKey.Parse(this.GetPrimaryKeyString());
        using var activity = RunTelemetry.Activities.StartActivity("stream run");
        activity?.SetTag("rapidbyte.pipeline", pipeline).SetTag("rapidbyte.stream", streamName).SetTag("rapidbyte.run_id", run.RunId);
        var retryDelay = engine.Options.RetryDelay;
        while (true)
        {
            run.Attempts++;
            run.Status = RunStatus.Running;
            var (result, stateError) = await AttemptAsync(run, spec, stream);
            run.EndAttempt();
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
            if (!MayRetry(result, spec, run.Attempts))
            {
                Finish(run, RunStatus.Failed, error);
                break;
            }
            LogRetry(logger, this.GetPrimaryKeyString(), run.Attempts, retryDelay.TotalSeconds, error);
            run.Status = RunStatus.Retrying;
            run.Error = error;
            try
            {
                await Task.Delay(retryDelay, run.Cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                Finish(run, RunStatus.Cancelled, "the run was cancelled while waiting to retry after: " + error);
                break;
            }
            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, engine.Options.MaxRetryDelay.Ticks));
        }

        state.State.LastRun = run.Outcome;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            run.Outcome = run.Outcome! with { Status = RunStatus.Failed, Error = $"the stream's state could not be saved: {e.Message}" };
        }
        var outcome = run.Outcome!;
        telemetry.Finished(pipeline, outcome);
        activity?.SetTag("rapidbyte.status", outcome.Status.ToName()).SetTag("rapidbyte.rows_written", outcome.RowsWritten);
        if (outcome.Status == RunStatus.Failed)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.Error);
        }
    }

    private async Task<(StreamRunResult Result, string? StateError)> AttemptAsync(StreamRun run, PipelineSpec spec, StreamSpec stream)
    {
        var commits = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Only an incremental stream resumes from a cursor; a full refresh keeps the stored one as it was.
        var cursor = stream.SyncMode == SyncMode.Incremental ? state.State.Cursor : null;
        var monitor = new StreamRunMonitor
        {
            CursorCommitted = stream.SyncMode == SyncMode.Incremental ? committed => commits.Writer.TryWrite(committed) : null,
        };
        run.Monitor = monitor;
        var persisting = PersistCursorsAsync(commits.Reader, run);
        // Off the grain's scheduler: loading a module may compile it (a second or more), and
        // the connectors' slices run on the thread pool anyway.
        var result = await Task.Run(() => RunStreamAsync(spec, stream, cursor, monitor, run.Cancellation.Token));
        commits.Writer.Complete();
        return (result, await persisting);
    }

    private async Task<StreamRunResult> RunStreamAsync(PipelineSpec spec, StreamSpec stream, string? cursor, StreamRunMonitor monitor, CancellationToken cancellationToken)
    {
        StreamEndpoint source, destination;
        try
        {
            (source, destination) = engine.Planner.Plan(spec, stream, cursor);
        }
        catch (ConnectorNotFoundException e)
        {
            return new StreamRunResult(null, null, cursor, 0, 0, new ConnectorError(ErrorCategory.Config, e.Message));
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

    // Each committed cursor is stored before the next is looked at; a burst of commits is
    // stored once, as its newest. A failed write (an ETag conflict: someone else wrote this
    // stream's state) stops the run: going on could move rows no stored cursor accounts for.
    private async Task<string?> PersistCursorsAsync(ChannelReader<string> commits, StreamRun run)
    {
        while (await commits.WaitToReadAsync())
        {
            string? newest = null;
            while (commits.TryRead(out var cursor))
            {
                newest = cursor;
            }
            state.State.Cursor = newest;
            state.State.CursorCommittedAt = DateTimeOffset.UtcNow;
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception e)
            {
                await run.Cancellation.CancelAsync();
                return $"the stream's cursor could not be saved, so the run was stopped: {e.Message}";
            }
        }
        return null;
    }

    private bool MayRetry(StreamRunResult result, PipelineSpec spec, int attempts) =>
        result.Error is { Retryable: true }
        && attempts <= engine.Options.MaxRetries
        // Appending again after some rows were committed would add them twice; replace starts
        // over and upsert overwrites, so those retry whatever was committed.
        && (spec.Destination.WriteMode != WriteMode.Append || result.CommittedBatches == 0);

    private static string Describe(ConnectorError error) => $"{error.Category.ToString().ToLowerInvariant()} error: {error.Message}";

    private void Finish(StreamRun run, RunStatus status, string? error)
    {
        run.Status = status;
        run.Error = error;
        run.Outcome = run.Snapshot(state.State.Cursor);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "stream {Stream}: attempt {Attempt} failed, retrying in {Seconds:F0} s: {Error}")]
    private static partial void LogRetry(ILogger logger, string stream, int attempt, double seconds, string error);
}
