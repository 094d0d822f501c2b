using System.Diagnostics;
using Rapidbyte.Grains;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Pipeline.Benchmarks.Schedules;

/// <summary>
/// Idle CPU: one silo process (the default schedule reminder, every minute) with a number of
/// registered pipelines, each scheduled daily twelve hours away, so none is due while it is
/// measured. After the registrations (the client then disconnects) and a settling wait, the
/// process's own utime + stime is read from /proc once a minute over the window.
/// </summary>
internal static class IdleSchedulesProbe
{
    private const int RegisteringAtOnce = 8;

    /// <exception cref="BenchmarkFailure">The silo ended, or a pipeline ran.</exception>
    public static async Task<IdleSilo> RunAsync(
        PipelineDatabases databases, IReadOnlyDictionary<string, string?> settings, int pipelines, TimeSpan settle, int windowMinutes,
        CancellationToken cancellationToken)
    {
        await using var cluster = await SiloCluster.StartAsync(databases, $"bench_idle_{pipelines}", 1, settings, cancellationToken);
        var silo = cluster.Silos[0];
        string? schedule = null;
        double? registrationSeconds = null;
        if (pipelines > 0)
        {
            schedule = $"0 {(DateTime.UtcNow.Hour + 12) % 24} * * *";
            var grains = await cluster.ConnectAsync();
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(
                Enumerable.Range(1, pipelines), new ParallelOptions { MaxDegreeOfParallelism = RegisteringAtOnce, CancellationToken = cancellationToken },
                async (i, _) =>
                {
                    var name = $"sched-{i:D4}";
                    await grains.GetGrain<IPipelineGrain>(name).RegisterAsync(ScheduledPipeline.Yaml(databases, name, ScheduleBenchmark.IdleStream, schedule), $"{name}.yaml");
                });
            registrationSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine($"  registered {pipelines:N0} pipelines ({schedule}) in {registrationSeconds:F1} s");
            await cluster.DisconnectAsync();
        }
        Console.WriteLine($"  settling {settle.TotalSeconds:F0} s, then sampling the silo's CPU for {windowMinutes} min");
        await Task.Delay(settle, cancellationToken);

        var window = Stopwatch.GetTimestamp();
        var previous = CpuSeconds(silo.Id, cluster);
        var byMinute = new List<double>();
        for (var minute = 0; minute < windowMinutes; minute++)
        {
            await Task.Delay(TimeSpan.FromMinutes(1), cancellationToken);
            var now = CpuSeconds(silo.Id, cluster);
            byMinute.Add(now - previous);
            Console.WriteLine($"  minute {minute + 1}: {now - previous:F2} CPU s");
            previous = now;
        }
        var windowSeconds = Stopwatch.GetElapsedTime(window).TotalSeconds;
        var resident = ProcFs.ResidentBytes(silo.Id) ?? 0;
        if (pipelines > 0 && await databases.ScalarAsync<bool>(PipelineDatabases.Destination, $"SELECT to_regclass('public.{ScheduleBenchmark.IdleStream}') IS NOT NULL"))
        {
            throw new BenchmarkFailure($"a pipeline scheduled for {schedule} ran while the silo was to be idle");
        }
        return new IdleSilo(pipelines, schedule, registrationSeconds, (int)settle.TotalSeconds, windowSeconds, byMinute, resident / 1048576.0, cluster.Complaints());
    }

    private static double CpuSeconds(int pid, SiloCluster cluster) =>
        ProcFs.OwnCpuSeconds(pid) ?? throw new BenchmarkFailure($"the silo (pid {pid}) ended while measured:\n{string.Join('\n', cluster.Complaints())}");
}
