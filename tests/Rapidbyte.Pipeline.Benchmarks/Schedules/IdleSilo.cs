namespace Rapidbyte.Pipeline.Benchmarks.Schedules;

/// <summary>The CPU one silo process spends while its registered, scheduled pipelines wait for an occurrence.</summary>
/// <param name="Pipelines">Pipelines registered on it, each with its own reminder and grain timer.</param>
/// <param name="Schedule">Their schedule (daily, twelve hours away: nothing is due while measured); null without pipelines.</param>
/// <param name="RegistrationSeconds">How long registering them took, 8 at a time; null without pipelines.</param>
/// <param name="SettleSeconds">The wait after start-up and registration before the window.</param>
/// <param name="WindowSeconds">How long the CPU was sampled (measured).</param>
/// <param name="CpuSecondsByMinute">utime + stime of the process in each minute of the window.</param>
/// <param name="ResidentMib">Its resident set at the end of the window.</param>
/// <param name="Complaints">The warnings and errors it logged, start to end.</param>
internal sealed record IdleSilo(
    int Pipelines, string? Schedule, double? RegistrationSeconds, int SettleSeconds, double WindowSeconds,
    IReadOnlyList<double> CpuSecondsByMinute, double ResidentMib, IReadOnlyList<string> Complaints)
{
    public double CpuSeconds => CpuSecondsByMinute.Sum();

    public double CpuSecondsPerHour => CpuSeconds / WindowSeconds * 3600;
}
