namespace Rapidbyte.Grains.Runs;

/// <summary>What a pipeline keeps between runs, in grain storage: its latest runs, newest first.</summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-state")]
public sealed class PipelineState
{
    /// <summary>How many finished runs are kept.</summary>
    public const int HistoryLength = 20;

    [Id(0)]
    public List<PipelineRunReport> History { get; set; } = [];
}
