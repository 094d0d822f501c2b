using Rapidbyte.Hosting.Runs;

namespace Rapidbyte.Hosting.Grains;

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

    /// <summary>Asks the run to stop.</summary>
    Task CancelAsync(string runId);

    /// <summary>The stored cursor and last outcome.</summary>
    Task<StreamState> GetStateAsync();
}
