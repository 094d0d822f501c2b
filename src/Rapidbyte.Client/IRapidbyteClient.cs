using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Client;

/// <summary>
/// The Rapidbyte API: registered pipelines, their runs and their streams' cursors. Every
/// method throws <see cref="RapidbyteApiException"/> (or a subclass naming the case) when the
/// API answers with an error, and <see cref="HttpRequestException"/> when no endpoint could be reached.
/// </summary>
public interface IRapidbyteClient
{
    /// <summary>Every registered pipeline: version, schedule, next occurrence, last outcome. Needs the reader role.</summary>
    Task<IReadOnlyList<PipelineRegistration>> ListPipelinesAsync(CancellationToken cancellationToken = default);

    /// <summary>A registered pipeline. Needs the reader role.</summary>
    /// <exception cref="RapidbyteNotFoundException">It is not registered.</exception>
    Task<PipelineRegistration> GetPipelineAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers pipeline <paramref name="name"/> from its YAML, or updates it (a new version
    /// when the YAML changed). Secrets must be <c>${NAME}</c> references, read on the silos. Needs the admin role.
    /// </summary>
    /// <param name="name">The pipeline's name, as its YAML's <c>pipeline</c> says.</param>
    /// <param name="yaml">The pipeline's YAML.</param>
    /// <param name="file">The file name its errors cite; default <c>NAME.yaml</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RapidbyteBadRequestException">The YAML was refused; <see cref="RapidbyteBadRequestException.Errors"/> says where (file:line:column).</exception>
    Task<PipelineRegistration> RegisterPipelineAsync(string name, string yaml, string? file = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a registration; <paramref name="clearState"/> also forgets its cursors and history. Needs the admin role.</summary>
    /// <exception cref="RapidbyteNotFoundException">It is not registered.</exception>
    /// <exception cref="RapidbyteConflictException">A run of it is going.</exception>
    Task DeletePipelineAsync(string name, bool clearState = false, CancellationToken cancellationToken = default);

    /// <summary>Stops the pipeline's schedule firing (it still runs on request). Needs the operator role.</summary>
    Task<PipelineRegistration> PausePipelineAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Fires the pipeline's schedule again from its next occurrence. Needs the operator role.</summary>
    Task<PipelineRegistration> ResumePipelineAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Starts a run of a registered pipeline now and returns its first snapshot. Never retried (it is not safe to repeat). Needs the operator role.</summary>
    /// <param name="name">The pipeline.</param>
    /// <param name="streams">The streams to run; null or empty runs them all.</param>
    /// <param name="cancellationToken">Cancels the call (not the run: see <see cref="CancelRunAsync"/>).</param>
    /// <exception cref="RapidbyteConflictException">A run of it is going; <see cref="RapidbyteConflictException.RunId"/> names it.</exception>
    Task<PipelineRunReport> TriggerRunAsync(string name, IReadOnlyList<string>? streams = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a pipeline definition once, without registering it (what <c>rapidbyte run</c> hands a
    /// local server): the variables' values are held for the run only. Never retried. Needs the admin role.
    /// </summary>
    /// <exception cref="RapidbyteBadRequestException">The definition is invalid, or names a stream it does not have.</exception>
    /// <exception cref="RapidbyteConflictException">A run of the pipeline is going.</exception>
    Task<PipelineRunReport> StartRunAsync(RunRequest request, CancellationToken cancellationToken = default);

    /// <summary>A run's live snapshot, or its outcome once finished. Needs the reader role.</summary>
    /// <exception cref="RapidbyteNotFoundException">The pipeline has no such run (it keeps its latest).</exception>
    Task<PipelineRunReport> GetRunAsync(string name, string runId, CancellationToken cancellationToken = default);

    /// <summary>One page of a pipeline's runs: the run going first, then finished and skipped ones, newest first. Needs the reader role.</summary>
    /// <param name="name">The pipeline.</param>
    /// <param name="limit">Runs per page, 1 to 100.</param>
    /// <param name="after">The previous page's <see cref="RunPage.Next"/>; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<RunPage> ListRunsAsync(string name, int limit = 20, string? after = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The run's snapshots while it moves (about two a second) and its outcome last. A lost
    /// connection (the silo serving it went away) is taken up again on another endpoint
    /// without losing the outcome. Needs the reader role.
    /// </summary>
    /// <exception cref="RapidbyteNotFoundException">The pipeline has no such run.</exception>
    IAsyncEnumerable<PipelineRunReport> WatchRunAsync(string name, string runId, CancellationToken cancellationToken = default);

    /// <summary>Waits for a run to finish and returns its outcome (<see cref="WatchRunAsync"/> to its end).</summary>
    Task<PipelineRunReport> WaitForRunAsync(string name, string runId, CancellationToken cancellationToken = default);

    /// <summary>Checks the registered pipeline's source and destination as configured, on a silo with its variables. Needs the operator role.</summary>
    /// <exception cref="RapidbyteNotFoundException">It is not registered.</exception>
    /// <exception cref="RapidbyteBadRequestException">Its YAML does not resolve on the silo (a variable not set).</exception>
    Task<IReadOnlyList<ConnectorCheck>> CheckPipelineAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The streams the registered pipeline's source offers, with their columns and keys. Needs the reader role.</summary>
    /// <exception cref="RapidbyteNotFoundException">It is not registered.</exception>
    /// <exception cref="RapidbyteApiException">The source connector failed (502, its message in the problem's detail).</exception>
    Task<IReadOnlyList<Contracts.StreamSchema>> DiscoverStreamsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Asks a run to stop: streams roll back what they have not committed; cursors stay at their last commit. Needs the operator role.</summary>
    Task CancelRunAsync(string name, string runId, CancellationToken cancellationToken = default);

    /// <summary>Each stream's committed cursor and its part of the last run. Needs the reader role.</summary>
    Task<IReadOnlyList<StreamStatus>> GetStreamsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Forgets one stream's cursor: its next run reads from the start. Needs the operator role.</summary>
    /// <exception cref="RapidbyteConflictException">A run of the pipeline is going.</exception>
    Task<StreamStatus> ResetStreamAsync(string name, string stream, CancellationToken cancellationToken = default);
}
