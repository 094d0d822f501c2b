namespace Rapidbyte.Pipelines.Spec;

/// <summary>Bounds on what a run may hold and use.</summary>
/// <param name="BatchRows">Rows per Arrow batch at most.</param>
/// <param name="BatchBytes">Bytes per Arrow batch, roughly, at most.</param>
/// <param name="MaxInflightBatches">Batches waiting between source and destination at most.</param>
/// <param name="ParallelStreams">Streams of one run that move at the same time.</param>
/// <param name="ConnectorMemoryBytes">Each connector instance's memory cap.</param>
/// <param name="ConnectorCpuLimit">The longest a connector may compute without returning to the host.</param>
public sealed record ResourceSpec(
    int BatchRows = 10_000,
    long BatchBytes = 8 * 1024 * 1024,
    int MaxInflightBatches = 4,
    int ParallelStreams = 2,
    long ConnectorMemoryBytes = 256L * 1024 * 1024,
    TimeSpan? ConnectorCpuLimit = null)
{
    public TimeSpan CpuLimit => ConnectorCpuLimit ?? TimeSpan.FromSeconds(10);
}
