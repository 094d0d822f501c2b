using Rapidbyte.Pipeline.Benchmarks.Reporting;
using Rapidbyte.Pipeline.Benchmarks.Schedules;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Silos;

namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>
/// The schedule benchmark: a throwaway PostgreSQL server with a source and a destination
/// database, then, each on silo processes of its own with a state database of its own, the
/// fire lag of a pipeline scheduled every 2 s on three silos, and the idle CPU of one silo
/// without pipelines and of one with many scheduled ones; the report.
/// </summary>
internal static class ScheduleBenchmark
{
    /// <summary>The table the scheduled pipelines move.</summary>
    public const string Table = "ticking";

    public const int Rows = 100;

    /// <summary>The idle pipelines' stream: a view of <see cref="Table"/>, so that its destination table shows whether any ran.</summary>
    public const string IdleStream = "untouched";

    /// <exception cref="BenchmarkFailure">A run failed, an occurrence was lost or doubled, an idle pipeline ran, a silo ended.</exception>
    public static Task RunAsync(BenchmarkOptions options, CancellationToken cancellationToken) =>
        WorkDirectory.RunInAsync("rapidbyte-bench-", work => RunInAsync(work, options, cancellationToken));

    private static async Task RunInAsync(string work, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(SiloProcess.Assembly))
        {
            throw new BenchmarkFailure($"{SiloProcess.Assembly} is missing: build with -c Release first");
        }
        Console.WriteLine($"{options.Title}: starting PostgreSQL...");
        await using var databases = await PipelineDatabases.StartAsync();
        await databases.ExecuteAsync(PipelineDatabases.Source, $"""
            CREATE TABLE {Table} (id bigint PRIMARY KEY, name text);
            INSERT INTO {Table} SELECT g, 'item ' || g FROM generate_series(1, {Rows}) g;
            CREATE VIEW {IdleStream} AS SELECT * FROM {Table};
            """);
        // Compiled connector code in the benchmark's own directory, deleted with it.
        var settings = new Dictionary<string, string?> { ["Rapidbyte__Engine__CompiledCacheDirectory"] = Path.Combine(work, "compiled") };

        Console.WriteLine($"fire lag ({options.ScheduleOccurrences} occurrences every 2 s on 3 silos):");
        var fireLag = await FireLagProbe.RunAsync(databases, settings, options.ScheduleOccurrences, cancellationToken);
        PrintComplaints(fireLag.Complaints);

        var settle = TimeSpan.FromSeconds(options.ScheduleSettleSeconds);
        var idle = new List<IdleSilo>();
        foreach (var pipelines in new[] { 0, options.ScheduledPipelines })
        {
            Console.WriteLine($"idle CPU of one silo with {pipelines:N0} scheduled pipelines:");
            idle.Add(await IdleSchedulesProbe.RunAsync(databases, settings, pipelines, settle, options.CpuWindowMinutes, cancellationToken));
            PrintComplaints(idle[^1].Complaints);
        }

        var report = new ScheduleReport(
            DateTimeOffset.UtcNow, MachineInfo.Read(), await databases.ScalarAsync<string>("postgres", "SHOW server_version"),
            await ToolVersions.FirstLineAsync("git", "-C", RepositoryPaths.Root, "rev-parse", "--short", "HEAD") ?? "unknown",
            File.GetLastWriteTimeUtc(SiloProcess.Assembly), Environment.Version.ToString(), options.Smoke, fireLag, idle);
        var markdown = ScheduleMarkdown.Render(report);
        Console.WriteLine();
        Console.Write(markdown);
        Console.WriteLine();
        if (!options.Smoke)
        {
            foreach (var path in ResultFiles.Write("schedules", report, markdown))
            {
                Console.WriteLine($"wrote {path}");
            }
        }
        Console.WriteLine($"{options.Title}: passed: fire lag p95 {fireLag.P95Milliseconds:F0} ms over {fireLag.LagMilliseconds.Count} runs, "
                          + $"{idle[^1].CpuSecondsPerHour:F1} CPU s/h idle with {idle[^1].Pipelines:N0} scheduled pipelines ({idle[0].CpuSecondsPerHour:F1} without)");
    }

    private static void PrintComplaints(IReadOnlyList<string> complaints)
    {
        Console.WriteLine($"  the silos logged {complaints.Count} warning(s) or error(s)");
        foreach (var line in complaints.Take(20))
        {
            Console.WriteLine($"    {line}");
        }
    }
}
