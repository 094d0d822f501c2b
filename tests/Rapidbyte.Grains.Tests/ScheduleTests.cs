using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;
using Xunit.Abstractions;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// Registered pipelines on their schedules, on a real silo (reminders in the state database)
/// against a real PostgreSQL, with schedules in seconds: every occurrence handled once, no two
/// runs of a pipeline at once, downtime caught up with one run.
/// </summary>
public sealed class ScheduleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rows = 100;
    private readonly string _variable = "RAPIDBYTE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant() + "_PASSWORD";
    private PipelineDatabases _databases = null!;

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.ExecuteAsync(PipelineDatabases.Source, $"""
            CREATE TABLE items (id bigint PRIMARY KEY, name text);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, {Rows}) g;
            CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL);
            INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
            -- About 6 s to read: 40 pauses of 150 ms.
            CREATE FUNCTION crawl(id bigint) RETURNS boolean LANGUAGE plpgsql AS
              $$ BEGIN IF id % 500 = 0 THEN PERFORM pg_sleep(0.15); END IF; RETURN true; END $$;
            CREATE VIEW slow_events AS SELECT * FROM events WHERE crawl(id);
            """);
        Environment.SetEnvironmentVariable(_variable, _databases.Server.Password);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        await _databases.DisposeAsync();
    }

    private string StateConnection => _databases.Server.ConnectionString(PipelineDatabases.Destination);

    // Full refresh, append: each run adds the table once more, so the destination counts the runs
    // (each test has its own server, so its own destination table).
    private string Yaml(string name, string table, string cron) =>
        _databases.PipelineYaml(name, $"- {{name: {table}, sync_mode: full_refresh}}", "append")
            .Replace($"password: \"{_databases.Server.Password}\"", $"password: \"${{{_variable}}}\"")
        + $"schedule: \"{cron}\"\n";

    [Fact]
    public async Task Twenty_occurrences_start_twenty_runs_each_recorded_once()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("every2s");
        var registered = await grain.RegisterAsync(Yaml("every2s", "items", "*/2 * * * * *"), "every2s.yaml");

        await Eventually.WhenAsync(async () => (await Scheduled(grain)).Count >= 20, TimeSpan.FromSeconds(90));
        await grain.PauseAsync();
        await Eventually.WhenAsync(async () => await grain.GetActiveRunAsync() is null);
        var history = await Scheduled(grain);

        // Every occurrence from the first to the last is in the history exactly once (a
        // stall of the silo may fold some into one run: each entry says how many).
        var occurrences = history.Select(r => r.ScheduledFor!.Value).ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        var span = occurrences.Max() - occurrences.Min();
        Assert.Equal((int)(span / TimeSpan.FromSeconds(2)) + 1, history.Sum(r => 1 + r.Coalesced));
        Assert.True(registered.NextOccurrence <= occurrences.Min(), "the first occurrence handled is the one registration announced");
        var runs = history.Where(r => r.Status != RunStatus.Skipped).OrderBy(r => r.StartedAt).ToList();
        Assert.All(runs, run => Assert.Equal(RunStatus.Succeeded, run.Status));
        Assert.True(runs.Count >= 10, $"only {runs.Count} of {history.Count} occurrences ran");
        AssertNoOverlap(runs);
        // Each run appended the table once: no occurrence ran twice.
        Assert.Equal(Rows * runs.Count, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        Report("fire lag (occurrence to run started)", runs.Select(r => r.StartedAt - r.ScheduledFor!.Value));
    }

    [Fact]
    public async Task An_occurrence_while_a_run_is_going_is_recorded_as_skipped_not_queued()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("slow");
        await grain.RegisterAsync(Yaml("slow", "slow_events", "*/2 * * * * *"), "slow.yaml");

        // Two runs of about 6 s each, every 2 s an occurrence.
        await Eventually.WhenAsync(async () => (await Scheduled(grain)).Count(r => r.Status == RunStatus.Succeeded) >= 2, TimeSpan.FromSeconds(90));
        await grain.PauseAsync();
        await Eventually.WhenAsync(async () => await grain.GetActiveRunAsync() is null);
        var history = await Scheduled(grain);

        var runs = history.Where(r => r.Status != RunStatus.Skipped).OrderBy(r => r.StartedAt).ToList();
        var skipped = history.Where(r => r.Status == RunStatus.Skipped).ToList();
        AssertNoOverlap(runs);
        Assert.True(skipped.Count >= 2, $"{skipped.Count} skips");
        // Each skip names the run that was going when it came, and that run was going then.
        Assert.All(skipped, skip =>
        {
            var going = Assert.Single(runs, run => skip.Error == $"run {run.RunId} of this pipeline was still going");
            Assert.InRange(skip.ScheduledFor!.Value, going.StartedAt, going.StartedAt + going.Duration);
        });
        Assert.Equal(20_000L * runs.Count, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM slow_events"));
    }

    [Fact]
    public async Task Occurrences_missed_while_no_silo_ran_are_caught_up_by_one_run()
    {
        var yaml = Yaml("downtime", "items", "*/6 * * * * *");
        DateTimeOffset stopped;
        await using (var silo = await PipelineSilo.StartAsync(StateConnection))
        {
            var grain = silo.Grains.GetGrain<IPipelineGrain>("downtime");
            await grain.RegisterAsync(yaml, "downtime.yaml");
            // Stopped just after a run of an occurrence less than 1.5 s old ended: the next occurrence is 4.5 s or more
            // away, time for the silo to stop with no run going (one going would be resumed on restart, and the
            // catch-up rightly skipped for it).
            await Eventually.WhenAsync(async () =>
                (await Scheduled(grain)).FirstOrDefault() is { Status: RunStatus.Succeeded, ScheduledFor: { } due } // newest first
                && DateTimeOffset.UtcNow - due < TimeSpan.FromSeconds(1.5)
                && await grain.GetActiveRunAsync() is null, TimeSpan.FromSeconds(60));
            stopped = DateTimeOffset.UtcNow;
        }
        await Task.Delay(TimeSpan.FromSeconds(18)); // three occurrences (6, 12 and 18 s after the last run), the next 4.5 s or more away
        var restarted = DateTimeOffset.UtcNow;
        await using (var silo = await PipelineSilo.StartAsync(StateConnection))
        {
            var grain = silo.Grains.GetGrain<IPipelineGrain>("downtime");
            // The reminder brings the pipeline back; then one more regular occurrence.
            await Eventually.WhenAsync(async () => (await Scheduled(grain)).Count(r => r.ScheduledFor > restarted) >= 1, TimeSpan.FromSeconds(40));
            await grain.PauseAsync();
            await Eventually.WhenAsync(async () => await grain.GetActiveRunAsync() is null);
            var history = await Scheduled(grain);

            var missed = history.Where(r => r.ScheduledFor > stopped && r.ScheduledFor <= restarted).ToList();
            var catchUp = Assert.Single(missed);
            Assert.Equal(RunStatus.Succeeded, catchUp.Status);
            Assert.InRange(catchUp.Coalesced, 2, 4);
            Assert.True(catchUp.StartedAt >= restarted);
            var runs = history.Where(r => r.Status == RunStatus.Succeeded).ToList();
            Assert.Equal(Rows * runs.Count, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        }
    }

    [Fact]
    public async Task A_paused_schedule_does_not_fire_and_resuming_fires_the_next_occurrence_without_catching_up()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("paused");
        await grain.RegisterAsync(Yaml("paused", "items", "*/2 * * * * *"), "paused.yaml");
        await grain.PauseAsync();
        // An occurrence due between registering and pausing may have run: only later ones count.
        var pausedAt = DateTimeOffset.UtcNow;

        await Task.Delay(TimeSpan.FromSeconds(5));
        var whilePaused = await Scheduled(grain, pausedAt);
        var resumedAt = DateTimeOffset.UtcNow;
        var resumed = await grain.ResumeAsync();
        await Eventually.WhenAsync(async () => (await Scheduled(grain, pausedAt)).Count >= 1, TimeSpan.FromSeconds(30));
        await grain.PauseAsync();
        // The history is in the order entries were recorded: a run's when it ended, so a skip
        // of a later occurrence while that run went comes before it. Wait for the run to end.
        await Eventually.WhenAsync(async () => await grain.GetActiveRunAsync() is null);
        var first = (await Scheduled(grain, pausedAt)).MinBy(r => r.ScheduledFor)!;

        Assert.Empty(whilePaused);
        Assert.True(resumed.NextOccurrence > resumedAt);
        // Nothing from the pause is caught up: the first occurrence handled is the one resuming
        // announced (or, handled late, a later one that stands for it), and it ran.
        Assert.Equal(resumed.NextOccurrence, first.ScheduledFor - first.Coalesced * TimeSpan.FromSeconds(2));
        Assert.NotEqual(RunStatus.Skipped, first.Status);
    }

    private static async Task<List<PipelineRunReport>> Scheduled(IPipelineGrain grain, DateTimeOffset? after = null) =>
        (await grain.GetHistoryAsync()).Where(r => r.Trigger == RunTrigger.Schedule && (after is null || r.ScheduledFor > after)).ToList();

    private static void AssertNoOverlap(List<PipelineRunReport> runs)
    {
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i - 1].StartedAt + runs[i - 1].Duration <= runs[i].StartedAt,
                $"run {runs[i].RunId} started at {runs[i].StartedAt:O}, before run {runs[i - 1].RunId} (started {runs[i - 1].StartedAt:O}) ended");
        }
    }

    private void Report(string what, IEnumerable<TimeSpan> samples)
    {
        var sorted = samples.OrderBy(s => s).ToList();
        output.WriteLine($"{what}: p50 {sorted[sorted.Count / 2].TotalMilliseconds:F0} ms, p95 {sorted[(int)(sorted.Count * 0.95)].TotalMilliseconds:F0} ms over {sorted.Count}");
    }
}
