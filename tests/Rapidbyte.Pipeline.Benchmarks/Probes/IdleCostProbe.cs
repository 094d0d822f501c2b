using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Rounds;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Measurement;

namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>
/// Idle cost: a small stream whose source reads a view that sleeps before returning its rows,
/// for the wait and for twice the wait, next to the same stream on the table itself,
/// alternated like the throughput cases. During the double wait, the rapidbyte process's CPU
/// is also sampled over the second half of the wait. Then one run waits long enough for .NET's
/// background re-compilation of hot code to settle, sampled over the end of its wait.
/// </summary>
internal static class IdleCostProbe
{
    private const int Rows = 1_000;

    /// <param name="settleSeconds">The wait of the settled run; its last sixth is sampled.</param>
    /// <param name="startupSeconds">Launch to first batch, about: from the start-up probe.</param>
    public static async Task<IdleCost> RunAsync(
        BenchmarkDatabases databases, RoundRunner runner, RapidbyteContender rapidbyte, int waitSeconds, int settleSeconds, double startupSeconds,
        int rounds, CancellationToken cancellationToken)
    {
        var table = BenchmarkTables.Firenibble.Named("idle_rows");
        var facts = await databases.CreateSourceTableAsync(table, Rows);
        // The double wait spans about [start-up, start-up + 2 waits] after launch (a little
        // earlier: a one-row run's start-up ends after its first batch). The window is its second
        // half, less a second: past the .NET runtime's busy first seconds, before the rows come.
        var windowStart = TimeSpan.FromSeconds(startupSeconds + waitSeconds - 1);
        var windowCpu = new List<double>();
        var sampled = new RapidbyteContender(rapidbyte.Cli, pid => SampleCpuAsync(pid, windowStart, TimeSpan.FromSeconds(waitSeconds), windowCpu));
        List<BenchmarkCase> cases =
        [
            new(rapidbyte, table, facts),
            new(rapidbyte, await CreateSleepingViewAsync(databases, table, waitSeconds), facts),
            new(sampled, await CreateSleepingViewAsync(databases, table, 2 * waitSeconds), facts),
        ];
        var runs = (await runner.RunAsync(cases, rounds, cancellationToken)).Select(r => new IdleRun(r.WallSeconds, r.ClientCpuSeconds)).ToList();

        // The window ends a second before the rows come, and is as long as a sixth of the wait.
        var settledWindow = TimeSpan.FromSeconds(settleSeconds / 6.0);
        var settledCpu = new List<double>();
        var settled = new RapidbyteContender(
            rapidbyte.Cli, pid => SampleCpuAsync(pid, TimeSpan.FromSeconds(startupSeconds + settleSeconds - 1) - settledWindow, settledWindow, settledCpu));
        await runner.RunAsync([new(settled, await CreateSleepingViewAsync(databases, table, settleSeconds), facts)], 1, cancellationToken);
        return new IdleCost(waitSeconds, runs[0], runs[1], runs[2], windowCpu, settleSeconds, settledWindow.TotalSeconds, settledCpu.Cast<double?>().FirstOrDefault());
    }

    // An uncorrelated scalar subquery is an InitPlan: it runs once, before the first row, so
    // the source's COPY stays open and silent for the sleep, then streams every row.
    private static async Task<BenchmarkTable> CreateSleepingViewAsync(BenchmarkDatabases databases, BenchmarkTable table, int seconds)
    {
        var view = table.Named($"{table.Name}_after_{seconds}s");
        await databases.ExecuteAsync(
            BenchmarkDatabases.Source, $"CREATE VIEW {view.Name} AS SELECT * FROM {table.Name} WHERE (SELECT true FROM pg_sleep({seconds}))");
        return view;
    }

    private static async Task SampleCpuAsync(int pid, TimeSpan start, TimeSpan length, List<double> samples)
    {
        await Task.Delay(start);
        var before = ProcFs.OwnCpuSeconds(pid);
        await Task.Delay(length);
        if (before is { } first && ProcFs.OwnCpuSeconds(pid) is { } last)
        {
            samples.Add(last - first);
        }
    }
}
