using Microsoft.Extensions.Logging;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Grains.State;

namespace Rapidbyte.Grains;

/// <summary>
/// Runs a pipeline: one run at a time, its streams on their own grains, at most
/// <c>resources.parallel_streams</c> of them moving at once. The run itself is a loop on this
/// grain's scheduler that only awaits (stream grains do the work), so status and cancel
/// calls are answered between its steps.
/// </summary>
public sealed partial class PipelineGrain(
    [PersistentState("pipeline", StateStorage.Name)] IPersistentState<PipelineState> state,
    PipelineEngine engine,
    ILogger<PipelineGrain> logger) : Grain, IPipelineGrain
{
    private PipelineRun? _active;

    public Task<PipelineRunReport> StartRunAsync(PipelineDefinition definition, IReadOnlyList<string>? streams)
    {
        var name = this.GetPrimaryKeyString();
        if (_active is not null)
        {
            throw new PipelineBusyException($"pipeline {name}", _active.RunId);
        }
        var spec = definition.Parse();
        if (spec.Name != name)
        {
            throw new ArgumentException($"the definition is of pipeline {spec.Name}, not {name}");
        }
        var names = spec.Source.Streams.Select(s => s.Name).ToList();
        var chosen = streams is { Count: > 0 } ? streams : names;
        var unknown = chosen.Except(names, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"pipeline {name} has no stream named {string.Join(", ", unknown)}; its streams are {string.Join(", ", names)}");
        }

        var run = new PipelineRun(name, Guid.NewGuid().ToString("N")[..12], names.Where(chosen.Contains).ToList());
        _active = run;
        run.Completion = RunAsync(run, definition, spec.Resources.ParallelStreams);
        return Task.FromResult(run.Snapshot());
    }

    public Task<PipelineRunReport?> GetRunAsync(string runId) => Task.FromResult(
        _active?.RunId == runId ? _active.Snapshot() : state.State.History.FirstOrDefault(r => r.RunId == runId));

    public async Task<PipelineRunReport?> WaitForRunAsync(string runId, TimeSpan maxWait)
    {
        if (_active is { } run && run.RunId == runId)
        {
            await RunWait.UntilDoneOr(run.Completion, maxWait);
        }
        return await GetRunAsync(runId);
    }

    public Task<PipelineRunReport?> GetActiveRunAsync() => Task.FromResult(_active?.Snapshot());

    public Task<IReadOnlyList<PipelineRunReport>> GetHistoryAsync() => Task.FromResult<IReadOnlyList<PipelineRunReport>>(state.State.History.ToList());

    public async Task CancelRunAsync(string runId)
    {
        if (_active is { } run && run.RunId == runId)
        {
            await CancelAsync(run);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_active is { } run)
        {
            await CancelAsync(run);
            await run.Completion.WaitAsync(cancellationToken).ConfigureAwait(true);
        }
    }

    // Streams not started yet see the token; running ones are told at once (their watch
    // loops below wait on them, not on the token). Unknown run ids are ignored by the grain.
    private Task CancelAsync(PipelineRun run)
    {
        run.Cancellation.Cancel();
        return Task.WhenAll(run.Streams.Select(s => StreamOf(s.Stream).CancelAsync(run.RunId)));
    }

    private IStreamGrain StreamOf(string stream) => GrainFactory.GetGrain<IStreamGrain>(StreamKey.Of(this.GetPrimaryKeyString(), stream));

    private async Task RunAsync(PipelineRun run, PipelineDefinition definition, int parallelStreams)
    {
        using (var turns = new SemaphoreSlim(parallelStreams))
        {
            await Task.WhenAll(run.Streams.Select((_, index) => RunStreamAsync(run, index, definition, turns)));
        }
        var outcome = run.Snapshot(finished: true);
        state.State.History.Insert(0, outcome);
        if (state.State.History.Count > PipelineState.HistoryLength)
        {
            state.State.History.RemoveRange(PipelineState.HistoryLength, state.State.History.Count - PipelineState.HistoryLength);
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // The streams' own state (cursors) is already stored; only the history entry is lost.
            LogHistoryNotSaved(logger, e, outcome.Pipeline, outcome.RunId);
        }
        _active = null;
        run.Dispose();
    }

    private async Task RunStreamAsync(PipelineRun run, int index, PipelineDefinition definition, SemaphoreSlim turns)
    {
        var name = run.Streams[index].Stream;
        try
        {
            await turns.WaitAsync(run.Cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            run.Streams[index] = run.Streams[index] with { Status = RunStatus.Cancelled, Error = "the run was cancelled before this stream started" };
            return;
        }
        try
        {
            var grain = StreamOf(name);
            await grain.StartAsync(run.RunId, definition);
            if (run.Cancellation.IsCancellationRequested)
            {
                // Cancelled while this stream was starting: the cancel may have reached its grain before the start.
                await grain.CancelAsync(run.RunId);
            }
            while (true)
            {
                var report = await grain.WaitForRunAsync(run.RunId, engine.Options.ProgressInterval);
                // Nothing calls this grain while a run goes unattended; keep it (and its run) alive.
                DelayDeactivation(TimeSpan.FromMinutes(2));
                if (report is null)
                {
                    run.Streams[index] = run.Streams[index] with { Status = RunStatus.Failed, Error = "the stream's run was lost (its grain was deactivated); run the pipeline again" };
                    return;
                }
                run.Streams[index] = report;
                if (report.Status.IsFinished())
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            run.Streams[index] = run.Streams[index] with { Status = RunStatus.Failed, Error = e.Message };
        }
        finally
        {
            turns.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "pipeline {Pipeline}: the history entry of run {RunId} could not be saved")]
    private static partial void LogHistoryNotSaved(ILogger logger, Exception exception, string pipeline, string runId);
}
