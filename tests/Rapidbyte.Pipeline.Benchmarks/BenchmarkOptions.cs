using System.Globalization;

namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>What one benchmark run does, from its command line.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Rapidbyte.Pipeline.Benchmarks -- [options]
          --rows N          rows of each benchmark table (default 1000000; smoke 2000)
          --rounds R        timed rounds per contender, medians reported (default 3; smoke 1)
          --idle-seconds S  how long the idle-cost source waits, then twice that (default 10; smoke 2)
          --settle-seconds S  the idle cost once more, in the last S/6 of one S-second wait (default 60; smoke 12)
          --no-pgloader     leave pgloader out (else it is required, except in --smoke)
          --tls             the server offers TLS too: rapidbyte over verified TLS on both sides
                            (sslmode verify-full) is measured beside rapidbyte in plain TCP
          --schedules       the schedule benchmark instead: fire lag on 3 silo processes, idle CPU
                            of 1,000 scheduled pipelines on one (smoke: 10 occurrences, 50 pipelines)
          --cpu-window-minutes M  how long --schedules samples each idle silo's CPU (default 10; smoke 1)
          --api             the API benchmark instead: trigger -> first batch, reads under load while
                            a --rows run moves, `rapidbyte run` handed to `rapidbyte serve`
          --registry        the connector registry benchmark instead: a silo's time to ready with 4
                            registered pipelines pinned to modules in a Blob registry, cold and warm
          --image           the container image benchmark instead: its size, a container's time to ready
                            (empty compiled-code cache vs a cache volume), firenibble through a
                            container beside `rapidbyte run` (needs root: a Docker engine of its own)
          --smoke           tiny and fast: checks every destination, writes no result files
        """;

    public int Rows { get; private init; } = 1_000_000;

    public int Rounds { get; private init; } = 3;

    public int IdleSeconds { get; private init; } = 10;

    /// <summary>
    /// The wait of one more idle run, sampled near its end: .NET re-compiles code that became
    /// hot in the background for the first 30-40 s of a process, and that CPU is not waiting's.
    /// </summary>
    public int SettleSeconds { get; private init; } = 60;

    public bool Smoke { get; private init; }

    public bool WithoutPgloader { get; private init; }

    /// <summary>Measure rapidbyte over TLS (both sides) beside plain TCP, on a server that offers both.</summary>
    public bool Tls { get; private init; }

    /// <summary>The schedule benchmark instead of the throughput one.</summary>
    public bool Schedules { get; private init; }

    /// <summary>Scheduled occurrences the fire lag is measured over.</summary>
    public int ScheduleOccurrences { get; private init; } = 100;

    /// <summary>Registered, scheduled pipelines on the silo whose idle CPU is measured.</summary>
    public int ScheduledPipelines { get; private init; } = 1_000;

    /// <summary>How long an idle silo is left alone (after its registrations) before its CPU is sampled.</summary>
    public int ScheduleSettleSeconds { get; private init; } = 120;

    /// <summary>How long each idle silo's CPU is sampled, in whole minutes.</summary>
    public int CpuWindowMinutes { get; private init; } = 10;

    /// <summary>The API benchmark instead: trigger latency, read endpoints under load, runs handed to a local server.</summary>
    public bool Api { get; private init; }

    /// <summary>The connector registry benchmark instead: time to ready, cold and warm.</summary>
    public bool Registry { get; private init; }

    /// <summary>The container image benchmark instead: size, time to ready, throughput through a container.</summary>
    public bool Image { get; private init; }

    public bool ShowHelp { get; private init; }

    /// <summary>How the final line names this run.</summary>
    public string Title => (Image ? "image benchmark" : Registry ? "registry benchmark" : Api ? "api benchmark" : Schedules ? "schedule benchmark" : "pipeline benchmark") + (Smoke ? " smoke" : "");

    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var smoke = args.Contains("--smoke");
        // Smoke defaults first, so that an explicit --rows or --rounds still wins.
        var options = smoke
            ? new BenchmarkOptions
            {
                Smoke = true, Rows = 2_000, Rounds = 1, IdleSeconds = 2, SettleSeconds = 12,
                ScheduleOccurrences = 10, ScheduledPipelines = 50, ScheduleSettleSeconds = 10, CpuWindowMinutes = 1,
            }
            : new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--smoke" => options,
                "--rows" => options with { Rows = PositiveNumber(args, ++i, "--rows") },
                "--rounds" => options with { Rounds = PositiveNumber(args, ++i, "--rounds") },
                "--idle-seconds" => options with { IdleSeconds = PositiveNumber(args, ++i, "--idle-seconds") },
                "--settle-seconds" => options with { SettleSeconds = PositiveNumber(args, ++i, "--settle-seconds") },
                "--no-pgloader" => options with { WithoutPgloader = true },
                "--tls" => options with { Tls = true },
                "--schedules" => options with { Schedules = true },
                "--api" => options with { Api = true },
                "--registry" => options with { Registry = true },
                "--image" => options with { Image = true },
                "--cpu-window-minutes" => options with { CpuWindowMinutes = PositiveNumber(args, ++i, "--cpu-window-minutes") },
                "--help" or "-h" => options with { ShowHelp = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }
        return options;
    }

    private static int PositiveNumber(IReadOnlyList<string> args, int index, string option) =>
        index < args.Count && int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} takes a whole number above 0");
}
