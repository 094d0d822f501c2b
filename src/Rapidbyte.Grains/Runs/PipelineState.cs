namespace Rapidbyte.Grains.Runs;

/// <summary>What a pipeline keeps in grain storage: its latest runs, newest first, and the run in progress.</summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-state")]
public sealed class PipelineState
{
    /// <summary>How many finished runs are kept.</summary>
    public const int HistoryLength = 20;

    [Id(0)]
    public List<PipelineRunReport> History { get; set; } = [];

    /// <summary>The run in progress, if any.</summary>
    [Id(1)]
    public PipelineRunRecord? Active { get; set; }
}
