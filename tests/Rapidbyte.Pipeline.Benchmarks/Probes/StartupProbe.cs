using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Rounds;
using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>
/// Start-up: a one-row run, first cold, then repeatedly with the compiled connectors cached.
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
        return new StartupCost(cold.WallSeconds, warm.WallSeconds, warm.OwnSeconds ?? throw new InvalidOperationException("rapidbyte reports the duration of every run"), warm.ClientCpuSeconds);
    }
}
