using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;
using Xunit.Abstractions;

namespace Rapidbyte.Api.Tests;

/// <summary>A watch through the SDK outlives the SIGKILL of the silo serving it.</summary>
[Collection("api")]
public sealed class WatchFailoverTests(ApiCluster cluster, ITestOutputHelper output) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task A_watch_whose_silo_is_killed_goes_on_through_another_and_sees_the_run_end_once()
    {
        // About 6 s to read: the kill lands while the run goes.
        await cluster.Databases.ExecuteAsync(PipelineDatabases.Source, "CREATE VIEW paced AS SELECT * FROM events WHERE pace(id) AND pace(id) AND pace(id)");
        var watched = cluster.Silos[0];
        var client = cluster.Client("watcher", [watched, cluster.Silos[1]], ApiCluster.Admin);
        await client.RegisterPipelineAsync("paced", cluster.Yaml("paced", "- {name: paced, sync_mode: full_refresh}", "replace"));

        var run = await client.TriggerRunAsync("paced");
        var snapshots = new List<PipelineRunReport>();
        DateTime? killedAt = null;
        await foreach (var snapshot in client.WatchRunAsync("paced", run.RunId))
        {
            snapshots.Add(snapshot);
            if (killedAt is null && snapshots.Count == 3)
            {
                watched.Kill();
                killedAt = DateTime.UtcNow;
                output.WriteLine($"killed the watched silo (port {watched.HttpPort}) after {snapshots.Count} snapshots, at {snapshot.Streams[0].RowsRead} rows");
            }
        }
        output.WriteLine($"{snapshots.Count} snapshots; the outcome {(DateTime.UtcNow - killedAt!.Value).TotalSeconds:F1} s after the kill");

        var outcome = snapshots[^1];
        Assert.NotNull(killedAt);
        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Single(snapshots, s => s.Status.IsFinished());
        Assert.Contains(snapshots, s => s.Status == RunStatus.Running);
        Assert.Equal(20_000L, await cluster.Databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM paced"));
        Assert.Equal(0, await cluster.Databases.DifferenceAsync("events", "paced"));
        Assert.Equal(outcome, await client.GetRunAsync("paced", run.RunId), RunComparer.Instance);
    }

    // Two reports of one finished run say the same.
    private sealed class RunComparer : IEqualityComparer<PipelineRunReport>
    {
        public static readonly RunComparer Instance = new();

        public bool Equals(PipelineRunReport? x, PipelineRunReport? y) =>
            x!.RunId == y!.RunId && x.Status == y.Status && x.Streams.Select(s => s.RowsCommitted).SequenceEqual(y.Streams.Select(s => s.RowsCommitted));

        public int GetHashCode(PipelineRunReport obj) => obj.RunId.GetHashCode(StringComparison.Ordinal);
    }
}
