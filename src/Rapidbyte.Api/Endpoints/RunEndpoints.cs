using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Rapidbyte.Client;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Api.Endpoints;

/// <summary><c>/v1/pipelines/{name}/runs</c>: trigger, read, list, watch and cancel runs.</summary>
internal static class RunEndpoints
{
    /// <summary><c>/v1/runs</c>: a definition handed over to run once.</summary>
    public static void MapDefinitionRuns(RouteGroupBuilder v1) =>
        v1.MapPost("/runs", StartAsync).RequireAuthorization(ApiRoles.Admin).WithTags("runs")
            .WithName("StartRun").WithSummary("Runs the pipeline definition in the body once, without registering it; its variables are held for the run only.");

    public static void Map(RouteGroupBuilder pipelines)
    {
        pipelines.MapPost("/{name}/runs", TriggerAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("TriggerRun").WithSummary("Starts a run of the registered pipeline now (all streams, or those named); 409 while a run goes.");
        pipelines.MapGet("/{name}/runs", ListAsync)
            .WithName("ListRuns").WithSummary("The run going (if any), then finished and skipped runs, newest first; page with limit and after.");
        pipelines.MapGet("/{name}/runs/{runId}", GetAsync)
            .WithName("GetRun").WithSummary("A run's live snapshot, or its outcome once finished.");
        pipelines.MapGet("/{name}/runs/{runId}/events", WatchAsync)
            .WithName("WatchRun").WithSummary("Server-sent events: the run's snapshot (event \"run\") twice a second while it goes, and its outcome last.");
        pipelines.MapPost("/{name}/runs/{runId}/cancel", CancelAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("CancelRun").WithSummary("Asks the run to stop: streams roll back what they have not committed; cursors stay at their last commit.");
    }

    private static async Task<Accepted<PipelineRunReport>> TriggerAsync(string name, [FromBody] TriggerRequest? request, ClusterRapidbyteClient cluster, CancellationToken cancellationToken)
    {
        var run = await cluster.TriggerRunAsync(name, request?.Streams, cancellationToken);
        return TypedResults.Accepted(RunPath(name, run.RunId), run);
    }

    private static async Task<Accepted<PipelineRunReport>> StartAsync(RunRequest request, ClusterRapidbyteClient cluster, CancellationToken cancellationToken)
    {
        var run = await cluster.StartRunAsync(request, cancellationToken);
        return TypedResults.Accepted(RunPath(run.Pipeline, run.RunId), run);
    }

    private static async Task<Ok<PipelineRunReport>> GetAsync(string name, string runId, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.GetRunAsync(name, runId, cancellationToken));

    private static async Task<Ok<RunPage>> ListAsync(string name, [FromQuery] int? limit, [FromQuery] string? after, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.ListRunsAsync(name, limit ?? 20, after, cancellationToken));

    private static async Task<ServerSentEventsResult<PipelineRunReport>> WatchAsync(string name, string runId, ClusterRapidbyteClient cluster, CancellationToken cancellationToken)
    {
        // An unknown run is answered 404 before the event stream starts.
        var snapshots = cluster.WatchRunAsync(name, runId, cancellationToken).GetAsyncEnumerator(cancellationToken);
        if (!await snapshots.MoveNextAsync())
        {
            throw new InvalidOperationException($"the watch of run {runId} ended before its first snapshot");
        }
        return TypedResults.ServerSentEvents(Rest(snapshots), eventType: "run");
    }

    private static async IAsyncEnumerable<PipelineRunReport> Rest(IAsyncEnumerator<PipelineRunReport> snapshots)
    {
        await using (snapshots)
        {
            do
            {
                yield return snapshots.Current;
            }
            while (await snapshots.MoveNextAsync());
        }
    }

    private static async Task<Accepted> CancelAsync(string name, string runId, ClusterRapidbyteClient cluster, CancellationToken cancellationToken)
    {
        await cluster.CancelRunAsync(name, runId, cancellationToken);
        return TypedResults.Accepted(RunPath(name, runId));
    }

    private static string RunPath(string name, string runId) => $"/v1/pipelines/{Uri.EscapeDataString(name)}/runs/{Uri.EscapeDataString(runId)}";
}
