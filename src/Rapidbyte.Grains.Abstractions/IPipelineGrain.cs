using Orleans.Concurrency;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>
/// One pipeline (key: its name): at most one run at a time, fanned out to one
/// <see cref="IStreamGrain"/> per stream, and the latest runs kept in grain storage. A
/// pipeline may be registered (its YAML stored in the cluster) and then runs on request and
/// on its schedule. Every method answers at once, also while a run moves.
/// </summary>
public interface IPipelineGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the pipeline from its YAML, or updates it (a new version when the YAML
    /// changed; the same one when it did not). The YAML is stored as written, its
    /// <c>${NAME}</c> references unresolved; they are read from the environment of the silo
    /// a run starts on. A schedule starts firing at its next occurrence.
    /// </summary>
    /// <param name="file">The file name its errors cite.</param>
    /// <exception cref="PipelineRejectedException">The YAML is invalid, of another pipeline, holds a literal secret, or names a variable outside the silos' prefix.</exception>
    Task<PipelineRegistration> RegisterAsync(string yaml, string file);

    /// <summary>The registration, its schedule's next occurrence and its last outcome; null if the pipeline is not registered.</summary>
    Task<PipelineRegistration?> GetRegistrationAsync();

    /// <summary>Stops the schedule firing (runs on request still start).</summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    Task<PipelineRegistration> PauseAsync();

    /// <summary>Fires the schedule again from its next occurrence; occurrences while paused are not caught up.</summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    Task<PipelineRegistration> ResumeAsync();

    /// <summary>
    /// Deletes the registration (and its schedule). With <paramref name="clearState"/> its
    /// streams' cursors and its run history are cleared too, so registering it again starts
    /// from nothing; without, they are kept for a pipeline of the same name.
    /// </summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    /// <exception cref="PipelineBusyException">A run is going: cancel it or let it finish first.</exception>
    Task DeleteAsync(bool clearState);

    /// <summary>Starts a run of the registered pipeline now, under the same one-run-at-a-time rule as its schedule.</summary>
    /// <param name="streams">The streams to run; null or empty runs them all.</param>
    /// <returns>The run's first snapshot; a run that could not start (a variable not set on the silo) comes back failed, with the reason.</returns>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    /// <exception cref="PipelineBusyException">A run of this pipeline is going.</exception>
    Task<PipelineRunReport> TriggerAsync(IReadOnlyList<string>? streams);

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

    /// <summary>Finished runs and skipped occurrences, newest first by when each ended: a run is listed above the occurrences skipped while it went.</summary>
    Task<IReadOnlyList<PipelineRunReport>> GetHistoryAsync();

    /// <summary>
    /// Tells the pipeline that one of its streams stopped (finished, or handed over by a
    /// silo that is stopping): a pipeline whose watching activation is gone takes the run over.
    /// </summary>
    [OneWay]
    Task StreamStoppedAsync(string runId);

    /// <summary>Where each stream of the registered pipeline stands: its committed cursor and its part of the last run.</summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    Task<IReadOnlyList<StreamStatus>> GetStreamsAsync();

    /// <summary>
    /// Forgets one stream's cursor and last outcome: its next incremental run reads from the
    /// start, and no commit marker of a destination from before the reset is read back.
    /// </summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    /// <exception cref="ArgumentException">The pipeline has no stream of that name.</exception>
    /// <exception cref="PipelineBusyException">A run of the pipeline is going.</exception>
    Task<StreamStatus> ResetStreamAsync(string stream);

    /// <summary>
    /// Checks the registered pipeline's source and destination connectors as configured, on a
    /// silo with its variables: each says whether it can be used, and why not.
    /// </summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    /// <exception cref="PipelineRejectedException">Its YAML does not resolve on the silo (a variable not set).</exception>
    Task<IReadOnlyList<ConnectorCheck>> CheckAsync();

    /// <summary>The streams (tables, views) the registered pipeline's source offers, with their columns and keys.</summary>
    /// <exception cref="PipelineNotFoundException">The pipeline is not registered.</exception>
    /// <exception cref="PipelineRejectedException">Its YAML does not resolve on the silo.</exception>
    /// <exception cref="ConnectorFailedException">The source connector failed (its message says why).</exception>
    Task<IReadOnlyList<Contracts.StreamSchema>> DiscoverAsync();

    /// <summary>Asks the run to stop: streams roll back what they have not committed, cursors stay at their last commit.</summary>
    Task CancelRunAsync(string runId);
}
