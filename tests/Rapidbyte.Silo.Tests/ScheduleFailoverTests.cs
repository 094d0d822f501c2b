using Rapidbyte.Grains;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Silos;
using Xunit.Abstractions;

namespace Rapidbyte.Silo.Tests;

/// <summary>
/// A registered pipeline's schedule on a cluster of silo processes survives the SIGKILL of the
/// silo that holds its reminder, then of the silo its pipeline grain runs on (mid-run): every
/// occurrence is handled exactly once across the cluster, and no run twice.
/// </summary>
public sealed class ScheduleFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string StateDatabase = "state";
    private const string PasswordVariable = "RAPIDBYTE_TEST_PASSWORD";
    private const int Rows = 200;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(4);

    private readonly List<SiloProcess> _silos = [];
    private PipelineDatabases _databases = null!;

    private string StateConnection => _databases.Server.ConnectionString(StateDatabase);

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.Server.ExecuteAsync($"CREATE DATABASE {StateDatabase}");
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            $"""
            CREATE TABLE rows (id bigint PRIMARY KEY, name text);
            INSERT INTO rows SELECT g, 'item ' || g FROM generate_series(1, {Rows}) g;
            -- About 2.4 s to read, so a run can be caught going: 8 pauses of 300 ms.
            CREATE FUNCTION pace(id bigint) RETURNS boolean LANGUAGE plpgsql AS
              $$ BEGIN IF id % 25 = 0 THEN PERFORM pg_sleep(0.3); END IF; RETURN true; END $$;
            CREATE VIEW items AS SELECT * FROM rows WHERE pace(id);
            """);
    }

    public async Task DisposeAsync()
    {
        // What the silos said, for a failure's diagnosis (warnings and errors only).
        foreach (var silo in _silos)
        {
            var lines = silo.Output.Split('\n').Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal) || l.Contains("rapidbyte-schedule", StringComparison.Ordinal) || l.Contains("Rapidbyte.Grains", StringComparison.Ordinal));
            output.WriteLine($"--- silo port {silo.SiloPort}{(silo.HasExited ? " (exited)" : "")}:\n{string.Join('\n', lines.TakeLast(40))}");
        }
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        await _databases.DisposeAsync();
    }

    [Fact]
    public async Task Killing_the_silos_of_the_reminder_and_of_the_pipeline_loses_no_occurrence_and_runs_none_twice()
    {
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartSilo().WaitReadyAsync()));
        await using var client = await ClusterClient.ConnectAsync(StateConnection);
        var yaml = _databases.PipelineYaml("ticking", "- {name: items, sync_mode: full_refresh}", "append")
            .Replace(_databases.Server.Password, "${" + PasswordVariable + "}", StringComparison.Ordinal)
            + "schedule: \"*/4 * * * * *\"\n";
        var pipeline = client.Grains.GetGrain<IPipelineGrain>("ticking");
        await pipeline.RegisterAsync(yaml, "ticking.yaml");
        await UntilAsync(pipeline, history => history.Count(r => r.Status == RunStatus.Succeeded) >= 2);

        // The silo whose reminder service ticks the schedule says so when it starts it.
        var holder = _silos.Single(s => s.Output.Contains("Started reminder <GrainId=pipeline/ticking ReminderName=rapidbyte-schedule", StringComparison.Ordinal));
        var killedAt = DateTimeOffset.UtcNow;
        holder.Kill();
        StartSilo();
        output.WriteLine($"killed the reminder's silo (port {holder.SiloPort}) at {killedAt:HH:mm:ss.fff}");
        await UntilAsync(pipeline, history => history.Count(r => r.ScheduledFor > killedAt + TimeSpan.FromSeconds(25) && r.Status == RunStatus.Succeeded) >= 2,
            TimeSpan.FromMinutes(2));

        // Now the silo of the pipeline's grain (its timer, its run's watcher), while a run goes.
        var active = await ActiveRunAsync(pipeline);
        var grainSilo = _silos.Single(s => !s.HasExited && active.Silo!.Contains($":{s.SiloPort}:", StringComparison.Ordinal));
        var killedAgainAt = DateTimeOffset.UtcNow;
        grainSilo.Kill();
        StartSilo();
        output.WriteLine($"killed the pipeline grain's silo (port {grainSilo.SiloPort}) during run {active.RunId} at {killedAgainAt:HH:mm:ss.fff}");
        await UntilAsync(pipeline, history => history.Count(r => r.ScheduledFor > killedAgainAt + TimeSpan.FromSeconds(30) && r.Status == RunStatus.Succeeded) >= 2,
            TimeSpan.FromMinutes(2));
        await pipeline.PauseAsync();
        await UntilAsync(pipeline, _ => true, condition: async () => await pipeline.GetActiveRunAsync() is null);
        var history = (await pipeline.GetHistoryAsync()).Where(r => r.Trigger == RunTrigger.Schedule).ToList();

        foreach (var entry in history.OrderBy(r => r.ScheduledFor))
        {
            output.WriteLine($"{entry.ScheduledFor:HH:mm:ss} {entry.Status} started {entry.StartedAt:HH:mm:ss.fff} coalesced {entry.Coalesced} {entry.Error}");
        }
        var occurrences = history.Select(r => r.ScheduledFor!.Value).ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        // Every occurrence from the first to the last accounted for once: run, skipped, or
        // folded into the catch-up run after the loss.
        Assert.Equal((int)((occurrences.Max() - occurrences.Min()) / Period) + 1, history.Sum(r => 1 + r.Coalesced));
        Assert.Contains(history, r => r.ScheduledFor > killedAt && r.ScheduledFor < killedAt + TimeSpan.FromSeconds(25));
        var interrupted = Assert.Single(history, r => r.RunId == active.RunId);
        Assert.NotEmpty(interrupted.Resumes!);
        var runs = history.Where(r => r.Status != RunStatus.Skipped).ToList();
        Assert.All(runs, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal(Rows * runs.Count, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        var lags = runs.Where(r => r.Coalesced == 0).Select(r => (r.StartedAt - r.ScheduledFor!.Value).TotalMilliseconds).Order().ToList();
        output.WriteLine($"fire lag without a loss: p50 {lags[lags.Count / 2]:F0} ms, max {lags[^1]:F0} ms over {lags.Count}");
    }

    private static async Task<PipelineRunReport> ActiveRunAsync(IPipelineGrain pipeline)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            // Caught early in the run: the kill lands while it goes.
            if (await pipeline.GetActiveRunAsync() is { Silo: not null } run && run.Duration < TimeSpan.FromSeconds(1))
            {
                return run;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("no run was seen going");
    }

    private SiloProcess StartSilo()
    {
        var silo = SiloProcess.Start(StateConnection, settings: new Dictionary<string, string?>
        {
            [PasswordVariable] = _databases.Server.Password,
            ["Rapidbyte__Engine__ScheduleCheckInterval"] = "00:00:02",
            ["Logging__LogLevel__Orleans.Runtime.ReminderService.LocalReminderService"] = "Debug",
        });
        _silos.Add(silo);
        return silo;
    }

    // Polls the history through the cluster, riding out the calls that fail while a silo is lost.
    private static async Task UntilAsync(IPipelineGrain pipeline, Func<IReadOnlyList<PipelineRunReport>, bool> done, TimeSpan? timeout = null, Func<Task<bool>>? condition = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var history = (await pipeline.GetHistoryAsync()).Where(r => r.Trigger == RunTrigger.Schedule).ToList();
                if (done(history) && (condition is null || await condition()))
                {
                    return;
                }
            }
            catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("the schedule did not get there in time");
    }
}
