using Rapidbyte.Pipeline.Benchmarks.Probes;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>Everything one benchmark run found, as written to results/*.json.</summary>
internal sealed record BenchmarkReport(
    DateTimeOffset Date, MachineInfo Machine, ToolVersions Versions, int Rows, int Rounds, bool Smoke,
    IReadOnlyList<TableSummary> Tables, IReadOnlyList<CaseSummary> Results, StartupCost Startup, IdleCost IdleCost)
{
    /// <summary>What the figures mean, written next to them.</summary>
    public IReadOnlyList<string> Definitions { get; } =
    [
        "Wall: launch to exit of the client process(es), median of the rounds; each load goes into a freshly created, empty destination table without index (creating it, checkpointing and verifying are not timed).",
        "Rows/s and MB/s: source rows, and megabytes (10^6 bytes) of the source table's binary COPY stream, per wall second.",
        "Client CPU: user + system seconds of the client processes from GNU time (rapidbyte: the dotnet process with its in-process WebAssembly connectors; COPY pipe: both psql processes and bash; pgloader, pgcopydb: their processes; warm server: the `rapidbyte run` client plus the `rapidbyte serve` process's CPU over the run, from /proc/PID/stat).",
        "rapidbyte run: the default, native lane (columns in PostgreSQL's binary encoding); Arrow lane: the same pipeline with the source's `native_lane: false`; warm server: `rapidbyte run` handed to a `rapidbyte serve` started before the rounds and warmed with untimed runs of each table until .NET stopped re-compiling: at least 3, at most 12, ending with a run in which its tiered-compilation thread spent under 0.02 CPU s (a server that has run a pipeline a few times: .NET compiles hot code again, optimized, over a process's first runs), wall from launch to exit of the client.",
        "Server CPU: user + system seconds of the PostgreSQL backends serving the load, source and destination (the postmaster's reaped-children times plus the running backends' own, before and after the load; WAL writer and checkpointer not included).",
        "Peak RSS: the largest resident set of one client process (GNU time %M).",
        "Rapidbyte's own run: duration_ms of `rapidbyte run --json`, the run without process start and silo start/stop.",
        "First batch: from launching `rapidbyte run` to the source's first batch (first_batch_at of `rapidbyte run --json`, on the same clock as the launch).",
        "vs COPY pipe: this contender's throughput over the COPY pipe's on the same table (1.00 = as fast), from the medians; same round: the median over the rounds of that ratio within each round (the machine's speed drifts between rounds, and a round's loads run close together).",
        "Every load is verified before it counts: the destination's row count and sum of hashtextextended(row::text) equal the source's.",
    ];
}
