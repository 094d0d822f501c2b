using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Rounds;
using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>
/// Start-up: a one-row run, first cold, then repeatedly with the compiled connectors cached;
/// launch to first batch, and launch to exit.
/// Must run before any other rapidbyte run, so that its first run is the cold one.
/// </summary>
internal static class StartupProbe
{
    public static async Task<StartupCost> RunAsync(
        BenchmarkDatabases databases, RoundRunner runner, RapidbyteContender rapidbyte, int rounds, CancellationToken cancellationToken)
    {
        var table = BenchmarkTables.Firenibble.Named("one_row");
        var oneRow = new BenchmarkCase(rapidbyte, table, await databases.CreateSourceTableAsync(table, 1));
        var cold = (await runner.RunAsync([oneRow], 1, cancellationToken))[0];
        var warm = (await runner.RunAsync([oneRow], rounds, cancellationToken))[0];
        return new StartupCost(
            warm.FirstBatchSeconds ?? throw NotReported("when its first batch was emitted"),
            cold.FirstBatchSeconds ?? throw NotReported("when its first batch was emitted"),
            cold.WallSeconds,
            warm.WallSeconds,
            warm.OwnSeconds ?? throw NotReported("its duration"),
            warm.ClientCpuSeconds);
    }

    private static BenchmarkFailure NotReported(string what) =>
        new($"a one-row rapidbyte run did not report {what} (rapidbyte run --json reports it for every run)");
}
