using Orleans.Concurrency;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>
/// One stream of one pipeline (key: <see cref="StreamKey"/>): runs it, and keeps its cursor
/// and last outcome in grain storage. Every method answers at once, also while a run moves.
/// </summary>
public interface IStreamGrain : IGrainWithStringKey
{
    /// <summary>Starts this stream's part of run <paramref name="runId"/>; starting the same run again changes nothing.</summary>
    /// <exception cref="PipelineBusyException">Another run of this stream is still going.</exception>
    Task StartAsync(string runId, PipelineDefinition definition);

    /// <summary>The run's live snapshot, or its outcome once finished; null if unknown.</summary>
    Task<StreamRunReport?> GetRunAsync(string runId);

    /// <summary>
    /// The run's snapshot once it has finished, or after <paramref name="maxWait"/> if it is
    /// still going: progress for a watcher without polling, and its end without delay.
    /// <paramref name="maxWait"/> is capped at 20 s (a call times out after 30 s by default).
    /// Interleaves with every other call.
    /// </summary>
    [AlwaysInterleave]
    Task<StreamRunReport?> WaitForRunAsync(string runId, TimeSpan maxWait);

    /// <summary>Asks the run to stop.</summary>
    Task CancelAsync(string runId);

    /// <summary>
    /// Ends run <paramref name="runId"/> as failed with <paramref name="reason"/> if it is stored
    /// as unfinished and no activation runs it (it cannot be taken up again).
    /// </summary>
    Task AbandonAsync(string runId, string reason);

    /// <summary>The stored cursor and last outcome.</summary>
    Task<StreamState> GetStateAsync();

    /// <summary>
    /// Forgets the stream's cursor and last outcome: its next incremental run reads from the
    /// start (and no commit marker of a destination from before the reset is read back).
    /// </summary>
    /// <exception cref="PipelineBusyException">A run of this stream is going.</exception>
    Task ResetAsync();
}
