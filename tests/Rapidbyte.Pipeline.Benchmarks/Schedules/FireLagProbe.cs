using Rapidbyte.Grains;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Pipeline.Benchmarks.Schedules;

/// <summary>
/// Fire lag: one pipeline scheduled every 2 s on a cluster of three silo processes (schedule
/// reminder every 2 s, room for 200 runs in its history), moving a small table
/// (<see cref="ScheduleBenchmark.Table"/>, <see cref="ScheduleBenchmark.Rows"/> rows) each time.
/// Once its history holds the occurrences wanted, the schedule is paused, and each run's
/// start is compared with the occurrence it stands for.
/// </summary>
internal static class FireLagProbe
{
    private const int Silos = 3;
    private const string Schedule = "*/2 * * * * *";
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    /// <exception cref="BenchmarkFailure">A run failed, or the occurrences did not come in time.</exception>
    public static async Task<FireLag> RunAsync(PipelineDatabases databases, IReadOnlyDictionary<string, string?> settings, int occurrences, CancellationToken cancellationToken)
    {
        await using var cluster = await SiloCluster.StartAsync(databases, "bench_fire_lag", Silos, new Dictionary<string, string?>(settings)
        {
            ["Rapidbyte__Engine__ScheduleCheckInterval"] = "00:00:02",
            ["Rapidbyte__Engine__RunHistoryLength"] = "200",
        }, cancellationToken);
        var pipeline = (await cluster.ConnectAsync()).GetGrain<IPipelineGrain>("fire-lag");
        await pipeline.RegisterAsync(ScheduledPipeline.Yaml(databases, "fire-lag", ScheduleBenchmark.Table, Schedule), "fire-lag.yaml");

        // Every occurrence, plus time for the cluster to settle and the first one to come.
        var deadline = DateTime.UtcNow + occurrences * Period + TimeSpan.FromMinutes(2);
        var reported = 0;
        while (await ScheduledAsync(pipeline) is var history && history.Count < occurrences)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new BenchmarkFailure($"only {history.Count} of {occurrences} scheduled occurrences came in time:\n{string.Join('\n', cluster.Complaints())}");
            }
            if (history.Count / 10 > reported / 10)
            {
                Console.WriteLine($"  {history.Count} of {occurrences} occurrences");
            }
            reported = history.Count;
            await Task.Delay(1000, cancellationToken);
        }
        await pipeline.PauseAsync();
        while (await pipeline.GetActiveRunAsync() is not null)
        {
            await Task.Delay(200, cancellationToken);
        }

        var measured = (await ScheduledAsync(pipeline)).OrderBy(r => r.ScheduledFor).Take(occurrences).ToList();
        if (measured.FirstOrDefault(r => r.Status is not (RunStatus.Succeeded or RunStatus.Skipped)) is { } failed)
        {
            throw new BenchmarkFailure($"scheduled run {failed.RunId} ({failed.ScheduledFor:o}) ended {failed.Status}: {failed.Error}");
        }
        if (measured.Select(r => r.ScheduledFor).Distinct().Count() != measured.Count)
        {
            throw new BenchmarkFailure("an occurrence was handled twice");
        }
        // Every run, measured or after, appended the whole table once.
        var succeeded = (await ScheduledAsync(pipeline)).Count(r => r.Status == RunStatus.Succeeded);
        var moved = await databases.ScalarAsync<long>(PipelineDatabases.Destination, $"SELECT count(*) FROM {ScheduleBenchmark.Table}");
        if (moved != (long)ScheduleBenchmark.Rows * succeeded)
        {
            throw new BenchmarkFailure($"{succeeded} scheduled runs succeeded, but the destination holds {moved} rows, not {ScheduleBenchmark.Rows} each");
        }
        var runs = measured.Where(r => r.Status != RunStatus.Skipped).ToList();
        var span = measured[^1].ScheduledFor!.Value - measured[0].ScheduledFor!.Value;
        var coalesced = measured.Sum(r => r.Coalesced);
        return new FireLag(
            Schedule, Silos, ScheduleBenchmark.Rows, measured.Count, measured.Count - runs.Count, coalesced,
            (int)(span / Period) + 1 - measured.Count - coalesced,
            runs.Select(r => (r.StartedAt - r.ScheduledFor!.Value).TotalMilliseconds).ToList(),
            cluster.Complaints());
    }

    private static async Task<List<PipelineRunReport>> ScheduledAsync(IPipelineGrain pipeline) =>
        (await pipeline.GetHistoryAsync()).Where(r => r.Trigger == RunTrigger.Schedule).ToList();
}
