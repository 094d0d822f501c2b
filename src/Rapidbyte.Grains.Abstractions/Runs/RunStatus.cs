namespace Rapidbyte.Grains.Runs;

/// <summary>Where a pipeline run or one of its streams stands.</summary>
[GenerateSerializer, Alias("rapidbyte.run-status")]
public enum RunStatus
{
    /// <summary>Waiting for its turn (a run moves at most <c>parallel_streams</c> streams at once).</summary>
    Pending,

    /// <summary>Moving rows.</summary>
    Running,

    /// <summary>Failed with a retryable error; waiting before the next attempt.</summary>
    Retrying,

    Succeeded,

    Failed,

    /// <summary>Stopped on request; nothing past the last commit is kept.</summary>
    Cancelled,

    /// <summary>A scheduled occurrence that came while a run of its pipeline was going: recorded, not run.</summary>
    Skipped,
}
