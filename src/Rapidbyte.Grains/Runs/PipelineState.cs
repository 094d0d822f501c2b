namespace Rapidbyte.Grains.Runs;

/// <summary>
/// What a pipeline keeps in grain storage: its registration (if it is registered), the next
/// occurrence of its schedule, its latest runs, newest first, and the run in progress.
/// </summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-state")]
public sealed class PipelineState
{
    [Id(0)]
    public List<PipelineRunReport> History { get; set; } = [];

    /// <summary>The run in progress, if any.</summary>
    [Id(1)]
    public PipelineRunRecord? Active { get; set; }

    /// <summary>The pipeline as registered; null if it is not (only run from files handed over).</summary>
    [Id(2)]
    public RegisteredPipeline? Registration { get; set; }

    /// <summary>
    /// The earliest occurrence of the schedule not yet handled (run, skipped or failed); null
    /// without a schedule or while paused. Whoever handles it moves it on in the same write
    /// that stores the run it starts, so each occurrence is handled once whatever repeats the
    /// reminder's ticks, and occurrences missed while no silo ran are handled as one.
    /// </summary>
    [Id(3)]
    public DateTimeOffset? NextOccurrence { get; set; }
}
