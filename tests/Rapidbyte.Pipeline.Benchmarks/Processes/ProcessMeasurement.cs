namespace Rapidbyte.Pipeline.Benchmarks.Processes;

/// <summary>How a finished client process (with the children it waited for) went.</summary>
/// <param name="LaunchedAt">When it was launched (UTC, the wall clock programs report times in).</param>
/// <param name="Wall">From launch to exit.</param>
/// <param name="UserSeconds">User CPU time of the process and its waited-for descendants.</param>
/// <param name="SystemSeconds">System CPU time of the same.</param>
/// <param name="PeakRssBytes">The largest resident set of any one of those processes.</param>
internal sealed record ProcessMeasurement(
    int ExitCode, DateTimeOffset LaunchedAt, TimeSpan Wall, double UserSeconds, double SystemSeconds, long PeakRssBytes, string Stdout, string Stderr)
{
    public double CpuSeconds => UserSeconds + SystemSeconds;

    /// <summary>The end of stderr, for a failure message.</summary>
    public string StderrTail => Stderr.Length <= 4000 ? Stderr : "..." + Stderr[^4000..];
}
