using Rapidbyte.Client;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Api.Tests;

/// <summary>Every method of the client SDK against a cluster of two silo processes, over HTTP with tokens.</summary>
[Collection("api")]
public sealed class SdkTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task A_service_registers_runs_watches_pages_resets_and_deletes_a_pipeline_through_the_sdk()
    {
        var admin = cluster.Client("platform", ApiCluster.Admin);
        var yaml = cluster.Yaml("orders", "- {name: items, sync_mode: incremental, cursor_field: updated_at}", "upsert", "id");

        var registered = await admin.RegisterPipelineAsync("orders", yaml, "orders.yaml");
        var again = await admin.RegisterPipelineAsync("orders", yaml, "orders.yaml");
        var listed = await admin.ListPipelinesAsync();
        var read = await admin.GetPipelineAsync("orders");

        Assert.Equal(1, registered.Version);
        Assert.Equal(1, again.Version);
        Assert.Contains(listed, p => p.Name == "orders");
        Assert.Equal(yaml, read.Yaml);
        Assert.DoesNotContain(cluster.Databases.Server.Password, read.Yaml, StringComparison.Ordinal);

        // Two runs: the first moves every row, the second (incremental) only the new one.
        var snapshots = new List<PipelineRunReport>();
        var first = await admin.TriggerRunAsync("orders");
        await foreach (var snapshot in admin.WatchRunAsync("orders", first.RunId))
        {
            snapshots.Add(snapshot);
        }
        await cluster.Databases.ExecuteAsync(PipelineDatabases.Source, "INSERT INTO items (id, name, updated_at) VALUES (1001, 'new', now() + interval '1 minute')");
        var second = await admin.TriggerRunAsync("orders", ["items"]);
        var secondOutcome = await admin.WaitForRunAsync("orders", second.RunId);

        Assert.Equal(RunStatus.Succeeded, snapshots[^1].Status);
        Assert.All(snapshots[..^1], s => Assert.False(s.Status.IsFinished()));
        Assert.Equal(1000, snapshots[^1].Streams.Single().RowsCommitted);
        Assert.Equal(RunStatus.Succeeded, secondOutcome.Status);
        Assert.Equal(1, secondOutcome.Streams.Single().RowsRead);
        Assert.Equal(1001L, await cluster.Databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        Assert.Equal(RunTrigger.Manual, (await admin.GetRunAsync("orders", first.RunId)).Trigger);

        // Paging: newest first, one per page, to the end.
        var page1 = await admin.ListRunsAsync("orders", limit: 1);
        var page2 = await admin.ListRunsAsync("orders", limit: 1, after: page1.Next);
        Assert.Equal(second.RunId, Assert.Single(page1.Runs).RunId);
        Assert.Equal(first.RunId, Assert.Single(page2.Runs).RunId);
        Assert.Null(page2.Next);

        // Cursors: read, then reset; the next run reads everything again (upsert: still 1,001 rows).
        var stream = Assert.Single(await admin.GetStreamsAsync("orders"));
        Assert.Equal("items", stream.Stream);
        Assert.NotNull(stream.Cursor);
        var reset = await admin.ResetStreamAsync("orders", "items");
        Assert.Null(reset.Cursor);
        var third = await admin.WaitForRunAsync("orders", (await admin.TriggerRunAsync("orders")).RunId);
        Assert.Equal(1001, third.Streams.Single().RowsRead);
        Assert.Equal(1001L, await cluster.Databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));

        // Pause and resume need a schedule to mean anything: the answer says where it stands.
        Assert.True((await admin.PausePipelineAsync("orders")).Paused);
        Assert.False((await admin.ResumePipelineAsync("orders")).Paused);

        await admin.DeletePipelineAsync("orders", clearState: true);
        var gone = await Assert.ThrowsAsync<RapidbyteNotFoundException>(() => admin.GetPipelineAsync("orders"));
        Assert.Equal("no pipeline named orders is registered", gone.Problem.Detail);
        Assert.DoesNotContain(await admin.ListPipelinesAsync(), p => p.Name == "orders");
    }

    [Fact]
    public async Task A_run_is_cancelled_through_the_sdk_and_a_second_trigger_meanwhile_is_a_conflict_naming_it()
    {
        var operatorClient = cluster.Client("on-call", ApiCluster.Operator);
        var admin = cluster.Client("platform", ApiCluster.Admin);
        await admin.RegisterPipelineAsync("slow", cluster.Yaml("slow", "- {name: slow_events, sync_mode: full_refresh}", "replace"));

        var run = await operatorClient.TriggerRunAsync("slow");
        var conflict = await Assert.ThrowsAsync<RapidbyteConflictException>(() => operatorClient.TriggerRunAsync("slow"));
        await operatorClient.CancelRunAsync("slow", run.RunId);
        var outcome = await operatorClient.WaitForRunAsync("slow", run.RunId);

        Assert.Equal(run.RunId, conflict.RunId);
        Assert.Contains(run.RunId, conflict.Problem.Detail, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Cancelled, outcome.Status);
        await admin.DeletePipelineAsync("slow", clearState: true);
    }

    [Fact]
    public async Task Check_and_discover_run_the_registered_pipelines_connectors_on_a_silo_and_say_what_is_wrong()
    {
        var operatorClient = cluster.Client("on-call", ApiCluster.Operator);
        var admin = cluster.Client("platform", ApiCluster.Admin);
        var good = cluster.Yaml("probed", "- {name: items, sync_mode: full_refresh}");
        await admin.RegisterPipelineAsync("probed", good);
        await admin.RegisterPipelineAsync("lost", good.Replace("pipeline: probed", "pipeline: lost", StringComparison.Ordinal)
            .Replace($"database: {PipelineDatabases.Source}", "database: nowhere", StringComparison.Ordinal));
        await admin.RegisterPipelineAsync("unset", good.Replace("pipeline: probed", "pipeline: unset", StringComparison.Ordinal)
            .Replace(ApiCluster.PasswordVariable, "RAPIDBYTE_NOT_ON_THE_SILOS", StringComparison.Ordinal));

        var checks = await operatorClient.CheckPipelineAsync("probed");
        var streams = await operatorClient.DiscoverStreamsAsync("probed");
        var lostChecks = await operatorClient.CheckPipelineAsync("lost");
        var lostDiscover = await Assert.ThrowsAsync<RapidbyteApiException>(() => operatorClient.DiscoverStreamsAsync("lost"));
        var unset = await Assert.ThrowsAsync<RapidbyteBadRequestException>(() => operatorClient.CheckPipelineAsync("unset"));
        var readerChecks = await Assert.ThrowsAsync<RapidbyteUnauthorizedException>(() => cluster.Client("analyst", ApiCluster.Reader).CheckPipelineAsync("probed"));

        Assert.Equal(["source", "destination"], checks.Select(c => c.Part));
        Assert.All(checks, c => Assert.True(c.Ok, c.Message));
        var items = Assert.Single(streams, s => s.Name == "items");
        Assert.Equal(["id", "name", "updated_at"], items.Columns.Select(c => c.Name));
        Assert.Equal(["id"], items.PrimaryKey);
        Assert.False(lostChecks.Single(c => c.Part == "source").Ok);
        Assert.Contains("nowhere", lostChecks.Single(c => c.Part == "source").Message, StringComparison.Ordinal);
        Assert.True(lostChecks.Single(c => c.Part == "destination").Ok);
        Assert.Equal(502, lostDiscover.Problem.Status);
        Assert.Contains("nowhere", lostDiscover.Problem.Detail, StringComparison.Ordinal);
        Assert.Contains(unset.Errors, e => e.Contains("RAPIDBYTE_NOT_ON_THE_SILOS", StringComparison.Ordinal));
        Assert.Equal(403, readerChecks.Problem.Status);
        foreach (var text in lostChecks.Select(c => c.Message).Append(lostDiscover.Problem.Detail!).Concat(unset.Errors))
        {
            Assert.DoesNotContain(cluster.Databases.Server.Password, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_definition_handed_over_runs_once_with_its_variables_which_are_never_stored()
    {
        const string Variable = "RAPIDBYTE_HANDED_PASSWORD";
        var admin = cluster.Client("platform", ApiCluster.Admin);
        var yaml = cluster.Databases.PipelineYaml("handed", "- {name: items, sync_mode: full_refresh}", "replace")
            .Replace(cluster.Databases.Server.Password, "${" + Variable + "}", StringComparison.Ordinal);
        var variables = new Dictionary<string, string> { [Variable] = cluster.Databases.Server.Password };

        var started = await admin.StartRunAsync(new Grains.Api.RunRequest("handed", yaml, "handed.yaml", variables));
        var outcome = await admin.WaitForRunAsync("handed", started.RunId);
        var wrongName = await Assert.ThrowsAsync<RapidbyteBadRequestException>(() => admin.StartRunAsync(new Grains.Api.RunRequest("other", yaml, "handed.yaml", variables)));
        var operatorTries = await Assert.ThrowsAsync<RapidbyteUnauthorizedException>(() =>
            cluster.Client("on-call", ApiCluster.Operator).StartRunAsync(new Grains.Api.RunRequest("handed", yaml, "handed.yaml", variables)));

        // Another test of this cluster may have added rows to items: the whole table, as it is now.
        var sourceRows = await cluster.Databases.ScalarAsync<long>(PipelineDatabases.Source, "SELECT count(*) FROM items");
        Assert.Equal((RunStatus.Succeeded, RunTrigger.Direct, sourceRows), (outcome.Status, outcome.Trigger, outcome.Streams.Single().RowsCommitted));
        Assert.Contains("pipeline handed", wrongName.Problem.Detail, StringComparison.Ordinal);
        Assert.Equal(403, operatorTries.Problem.Status);
        // Held for the run only: no byte of any stored state carries the value.
        var stored = await cluster.StateScalarAsync<long>(
            $"SELECT count(*) FROM rapidbyte_state.grain_state WHERE position(convert_to('{cluster.Databases.Server.Password}', 'UTF8') in payload) > 0");
        var rows = await cluster.StateScalarAsync<long>("SELECT count(*) FROM rapidbyte_state.grain_state WHERE grain_id_extension LIKE 'handed%'");
        Assert.True(rows > 0, "the run's state was stored");
        Assert.Equal(0, stored);
    }

    [Fact]
    public async Task A_client_made_without_dependency_injection_moves_past_an_endpoint_that_does_not_answer()
    {
        var options = new RapidbyteClientOptions { AccessToken = cluster.Issuer.Issue("script", ApiCluster.Reader) };
        options.Endpoints.Add(new Uri($"http://127.0.0.1:{Testing.Servers.LoopbackPorts.Unused()}/")); // nothing listens there
        options.Endpoints.Add(new Uri($"http://127.0.0.1:{cluster.Silos[0].HttpPort}/"));
        using var client = RapidbyteClient.Create(options);

        var pipelines = await client.ListPipelinesAsync();
        var missing = await Assert.ThrowsAsync<RapidbyteNotFoundException>(() => client.GetRunAsync("nowhere", "0123456789ab"));

        Assert.NotNull(pipelines);
        Assert.Equal(404, missing.Problem.Status);
    }
}
