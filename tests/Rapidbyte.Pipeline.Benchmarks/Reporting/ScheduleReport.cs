using Rapidbyte.Pipeline.Benchmarks.Schedules;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>Everything one schedule benchmark run found, as written to results/schedules.json.</summary>
/// <param name="SiloBuiltAt">When the measured rapidbyte-silo was built: it may predate HEAD, or hold uncommitted changes.</param>
/// <param name="Idle">The silo without pipelines, then the one with scheduled pipelines.</param>
internal sealed record ScheduleReport(
    DateTimeOffset Date, MachineInfo Machine, string Postgres, string RapidbyteCommit, DateTime SiloBuiltAt, string Dotnet, bool Smoke,
    FireLag FireLag, IReadOnlyList<IdleSilo> Idle)
{
    /// <summary>Fire lag p95 at most this: a run starts within one schedule check of its time.</summary>
    public const double FireLagP95TargetMilliseconds = 2_000;

    /// <summary>Idle CPU of a silo with 1,000 scheduled pipelines below this: a minute of CPU per hour.</summary>
    public const double IdleCpuSecondsPerHourTarget = 60;

    /// <summary>What the figures mean, written next to them.</summary>
    public IReadOnlyList<string> Definitions { get; } =
    [
        "Silos: `rapidbyte-silo` processes (Release build of the checkout) on 127.0.0.1, started with `dotnet`, settings as environment variables; each cluster keeps its state (membership, grain state, reminders) in a database of its own on the benchmark's throwaway PostgreSQL server, which also holds the source and destination databases.",
        "Fire lag: StartedAt - ScheduledFor of each scheduled run in the pipeline's history (Rapidbyte__Engine__ScheduleCheckInterval=00:00:02, RunHistoryLength=200), the earliest N scheduled entries after registration; percentiles are nearest-rank over the runs that started (skipped occurrences excluded). Skipped: an occurrence that came while the previous run was still going. Lost: occurrences between the first and last measured that no entry accounts for.",
        "Idle CPU: user + system CPU seconds of the silo process itself (/proc/PID/stat utime + stime), read once a minute over the window, after start-up, registration (8 at a time, through an Orleans client that then disconnects) and a settling wait; per hour = window CPU / window wall time x 3600. Default ScheduleCheckInterval (1 min): each scheduled pipeline's grain stays active, kept by its reminder, with a grain timer set for its next occurrence.",
        "The idle pipelines are scheduled daily twelve hours after the run's start, so none is due while measured; afterwards the benchmark checks their destination table was never created. The silo without pipelines is started fresh and measured the same way, for comparison.",
    ];
}
