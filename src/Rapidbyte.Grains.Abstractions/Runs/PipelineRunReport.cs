namespace Rapidbyte.Grains.Runs;

/// <summary>A pipeline run: a live snapshot while it moves, its outcome once finished.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="RunId">Unique per run.</param>
/// <param name="Status">Failed if any stream failed, else cancelled if any was cancelled, else succeeded.</param>
/// <param name="StartedAt">When the run started (UTC).</param>
/// <param name="Duration">Time since it started (so far, or in all).</param>
/// <param name="Streams">Each stream of the run, in the spec's order.</param>
/// <param name="Silo">The silo (or process) running the pipeline's own part of the run; null once it has finished.</param>
/// <param name="Trigger">What started it.</param>
/// <param name="ScheduledFor">For a scheduled run (or skip): the occurrence it stands for; after downtime, the latest of those it coalesced.</param>
/// <param name="Error">Why the run failed or was skipped as a whole (a variable not set, a run still going); each stream has its own.</param>
/// <param name="Version">The registered version it ran; null for a run of a definition handed over.</param>
/// <param name="Coalesced">For a scheduled run: the earlier occurrences, missed while no silo ran, it also stands for.</param>
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
    string? Silo = null,
    RunTrigger Trigger = RunTrigger.Direct,
    DateTimeOffset? ScheduledFor = null,
    string? Error = null,
    long? Version = null,
    int Coalesced = 0);
