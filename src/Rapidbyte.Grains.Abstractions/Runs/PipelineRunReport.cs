namespace Rapidbyte.Grains.Runs;

/// <summary>A pipeline run: a live snapshot while it moves, its outcome once finished.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="RunId">Unique per run.</param>
/// <param name="Status">Failed if any stream failed, else cancelled if any was cancelled, else succeeded.</param>
/// <param name="StartedAt">When the run started (UTC).</param>
/// <param name="Duration">Time since it started (so far, or in all).</param>
/// <param name="Streams">Each stream of the run, in the spec's order.</param>
/// <param name="Silo">The silo (or process) running the pipeline's own part of the run; null once it has finished.</param>
/// <param name="Resumes">Each time the pipeline's own part of the run (watching its streams, recording its outcome) was taken up again on another silo.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.pipeline-run-report")]
public sealed record PipelineRunReport(
    string Pipeline,
    string RunId,
    RunStatus Status,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyList<StreamRunReport> Streams,
    IReadOnlyList<RunResume>? Resumes = null,
    string? Silo = null);
