namespace Rapidbyte.Grains;

/// <summary>A run was asked for while another run of the same pipeline or stream was going.</summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-busy")]
public sealed class PipelineBusyException : Exception
{
    /// <param name="what">The pipeline or stream, for the message.</param>
    /// <param name="runId">The run that is going.</param>
    /// <param name="owner">Who runs it, when that is elsewhere (another silo or process), for the message.</param>
    /// <param name="runningHere">Whether the silo that answered runs it (it may have just taken it up after an interruption).</param>
    public PipelineBusyException(string what, string runId, string? owner = null, bool runningHere = false)
        : base($"{what} is already running (run {runId}{(owner is { Length: > 0 } ? $", on {owner}" : "")}); wait for it to finish or cancel it")
    {
        RunId = runId;
        RunningHere = runningHere;
    }

    /// <summary>The run that is going.</summary>
    [Id(0)]
    public string RunId { get; } = "";

    /// <summary>Whether the silo that refused runs that run itself (a caller on that silo can watch it).</summary>
    [Id(1)]
    public bool RunningHere { get; }
}
