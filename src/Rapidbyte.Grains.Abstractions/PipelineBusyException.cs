namespace Rapidbyte.Grains;

/// <summary>A run was asked for while another run of the same pipeline or stream was going.</summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-busy")]
public sealed class PipelineBusyException : Exception
{
    public PipelineBusyException(string what, string runId)
        : base($"{what} is already running (run {runId}); wait for it to finish or cancel it")
    {
        RunId = runId;
    }

    /// <summary>The run that is going.</summary>
    [Id(0)]
    public string RunId { get; } = "";
}
