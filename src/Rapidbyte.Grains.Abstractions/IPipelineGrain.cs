using Orleans.Concurrency;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>
/// One pipeline (key: its name): at most one run at a time, fanned out to one
/// <see cref="IStreamGrain"/> per stream, and the latest runs kept in grain storage. Every
/// method answers at once, also while a run moves.
/// </summary>
public interface IPipelineGrain : IGrainWithStringKey
{
    /// <summary>Starts a run of <paramref name="definition"/> and returns its first snapshot.</summary>
    /// <param name="streams">The streams to run; null or empty runs them all.</param>
    /// <exception cref="PipelineBusyException">A run of this pipeline is still going.</exception>
    Task<PipelineRunReport> StartRunAsync(PipelineDefinition definition, IReadOnlyList<string>? streams);

    /// <summary>The run's live snapshot, or its outcome once finished; null if unknown.</summary>
    Task<PipelineRunReport?> GetRunAsync(string runId);

    /// <summary>
    /// The run's snapshot once it has finished, or after <paramref name="maxWait"/> if it is
    /// still going: what a watcher (the CLI, a client) calls in a loop instead of polling.
    /// <paramref name="maxWait"/> is capped at 20 s (a call times out after 30 s by default).
    /// Interleaves with every other call.
    /// </summary>
    [AlwaysInterleave]
    Task<PipelineRunReport?> WaitForRunAsync(string runId, TimeSpan maxWait);

    /// <summary>The run in progress, if any.</summary>
    Task<PipelineRunReport?> GetActiveRunAsync();

    /// <summary>Finished runs, newest first.</summary>
    Task<IReadOnlyList<PipelineRunReport>> GetHistoryAsync();

    /// <summary>
    /// Tells the pipeline that one of its streams stopped (finished, or handed over by a
    /// silo that is stopping): a pipeline whose watching activation is gone takes the run over.
    /// </summary>
    [OneWay]
    Task StreamStoppedAsync(string runId);

    /// <summary>Asks the run to stop: streams roll back what they have not committed, cursors stay at their last commit.</summary>
    Task CancelRunAsync(string runId);
}
