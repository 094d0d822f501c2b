namespace Rapidbyte.Pipeline.Benchmarks.Schedules;

/// <summary>How late the scheduled occurrences of one pipeline started their runs.</summary>
/// <param name="Schedule">The pipeline's cron schedule.</param>
/// <param name="Silos">Silo processes of the cluster.</param>
/// <param name="Rows">Rows of the table each run moves.</param>
/// <param name="Occurrences">Scheduled entries of the history measured: the earliest this many.</param>
/// <param name="Skipped">Of those, occurrences recorded as skipped (a run still going).</param>
/// <param name="Coalesced">Earlier occurrences folded into a catch-up run (none expected: no silo was lost).</param>
/// <param name="Lost">Occurrences from the first to the last measured that no entry accounts for.</param>
/// <param name="LagMilliseconds">StartedAt - ScheduledFor of every run that started, in the order of their occurrences.</param>
/// <param name="Complaints">The warnings and errors the silos logged, start to end.</param>
internal sealed record FireLag(
    string Schedule, int Silos, int Rows, int Occurrences, int Skipped, int Coalesced, int Lost, IReadOnlyList<double> LagMilliseconds,
    IReadOnlyList<string> Complaints)
{
    public double P50Milliseconds => Percentile(0.50);

    public double P95Milliseconds => Percentile(0.95);

    public double MaxMilliseconds => LagMilliseconds.Max();

    // Nearest rank: the smallest lag at least this share of the runs is not above.
    private double Percentile(double share)
    {
        var sorted = LagMilliseconds.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Count) - 1)];
    }
}
