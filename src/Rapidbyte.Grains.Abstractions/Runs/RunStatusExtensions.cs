namespace Rapidbyte.Grains.Runs;

public static class RunStatusExtensions
{
    /// <summary>Whether the run has ended and will not change any more.</summary>
    public static bool IsFinished(this RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Skipped;

    /// <summary>The lower-case name used in JSON and logs (<c>succeeded</c>, <c>failed</c>, ...).</summary>
    public static string ToName(this RunStatus status) => status.ToString().ToLowerInvariant();
}
