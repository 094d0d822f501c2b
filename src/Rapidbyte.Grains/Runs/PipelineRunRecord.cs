namespace Rapidbyte.Grains.Runs;

/// <summary>
/// A pipeline's unfinished run, stored before it starts and kept until its outcome is in the
/// history. Whoever runs it renews a lease on it; a pipeline grain that finds it with the
/// lease run out (its silo or process is gone) takes it over and sees it to its end.
/// </summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-run-record")]
public sealed class PipelineRunRecord
{
    [Id(0)]
    public string RunId { get; set; } = "";

    [Id(1)]
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The streams the run moves, in the spec's order.</summary>
    [Id(2)]
    public List<string> Streams { get; set; } = [];

    /// <summary>
    /// The pipeline as written, <c>${NAME}</c> references unresolved; null when it holds a
    /// literal secret, which is never stored (the run then cannot be taken up elsewhere).
    /// </summary>
    [Id(3)]
    public string? Yaml { get; set; }

    [Id(4)]
    public string File { get; set; } = "";

    /// <summary>Why the run cannot be taken up by another silo, if it cannot.</summary>
    [Id(5)]
    public string? NotResumable { get; set; }

    /// <summary>The silo or process running it.</summary>
    [Id(6)]
    public string Owner { get; set; } = "";

    /// <summary>When <see cref="Owner"/> last said it still runs it.</summary>
    [Id(7)]
    public DateTimeOffset RenewedAt { get; set; }

    /// <summary>Each time another silo took the run over.</summary>
    [Id(8)]
    public List<RunResume> Resumes { get; set; } = [];

    [Id(9)]
    public RunTrigger Trigger { get; set; }

    /// <summary>The occurrence a scheduled run stands for.</summary>
    [Id(10)]
    public DateTimeOffset? ScheduledFor { get; set; }

    /// <summary>The registered version it runs; null for a definition handed over.</summary>
    [Id(11)]
    public long? Version { get; set; }

    /// <summary>For a scheduled run: the earlier occurrences (missed while no silo ran) it also stands for.</summary>
    [Id(12)]
    public int Coalesced { get; set; }
}
