using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Api.Endpoints;

/// <summary><c>/v1/pipelines/{name}/runs</c>: trigger, read, list, watch and cancel runs.</summary>
internal static class RunEndpoints
{
    /// <summary>How often a watch gets a snapshot while the run moves.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(500);

    private const int DefaultPage = 20;
    private const int LargestPage = 100;

    public static void Map(RouteGroupBuilder pipelines)
    {
        pipelines.MapPost("/{name}/runs", TriggerAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("TriggerRun").WithSummary("Starts a run of the registered pipeline now (all streams, or those named); 409 while a run goes.");
        pipelines.MapGet("/{name}/runs", ListAsync)
            .WithName("ListRuns").WithSummary("The run going (if any), then finished and skipped runs, newest first; page with limit and after.");
        pipelines.MapGet("/{name}/runs/{runId}", GetAsync)
            .WithName("GetRun").WithSummary("A run's live snapshot, or its outcome once finished.");
        pipelines.MapGet("/{name}/runs/{runId}/events", Watch)
            .WithName("WatchRun").WithSummary("Server-sent events: the run's snapshot (event \"run\") twice a second while it goes, and its outcome last.");
        pipelines.MapPost("/{name}/runs/{runId}/cancel", CancelAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("CancelRun").WithSummary("Asks the run to stop: streams roll back what they have not committed; cursors stay at their last commit.");
    }

    private static async Task<Accepted<PipelineRunReport>> TriggerAsync(string name, [FromBody] TriggerRequest? request, IGrainFactory grains)
    {
        var run = await grains.GetGrain<IPipelineGrain>(name).TriggerAsync(request?.Streams);
        return TypedResults.Accepted(RunPath(name, run.RunId), run);
    }

    private static async Task<Ok<PipelineRunReport>> GetAsync(string name, string runId, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPipelineGrain>(name).GetRunAsync(runId) ?? throw NoRun(name, runId));

    private static async Task<Ok<RunPage>> ListAsync(string name, [FromQuery] int? limit, [FromQuery] string? after, IGrainFactory grains)
    {
        var size = limit ?? DefaultPage;
        if (size is < 1 or > LargestPage)
        {
            throw new ArgumentException($"limit must be from 1 to {LargestPage}");
        }
        var pipeline = grains.GetGrain<IPipelineGrain>(name);
        var active = await pipeline.GetActiveRunAsync();
        var history = await pipeline.GetHistoryAsync();
        var runs = (active is null ? history : history.Prepend(active)).ToList();
        var start = 0;
        if (after is not null)
        {
            var index = runs.FindIndex(r => r.RunId == after);
            if (index < 0)
            {
                throw new ArgumentException($"run {after} is not among pipeline {name}'s runs (it keeps the latest; list again from the start)");
            }
            start = index + 1;
        }
        var page = runs.Skip(start).Take(size).ToList();
        var next = start + page.Count < runs.Count ? page[^1].RunId : null;
        return TypedResults.Ok(new RunPage(page, next));
    }

    private static async Task<ServerSentEventsResult<PipelineRunReport>> Watch(
        string name, string runId, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var pipeline = grains.GetGrain<IPipelineGrain>(name);
        var first = await pipeline.GetRunAsync(runId) ?? throw NoRun(name, runId);
        return TypedResults.ServerSentEvents(Snapshots(pipeline, first, cancellationToken), eventType: "run");
    }

    private static async Task<Accepted> CancelAsync(string name, string runId, IGrainFactory grains)
    {
        var pipeline = grains.GetGrain<IPipelineGrain>(name);
        var run = await pipeline.GetRunAsync(runId) ?? throw NoRun(name, runId);
        if (!run.Status.IsFinished())
        {
            await pipeline.CancelRunAsync(runId);
        }
        return TypedResults.Accepted(RunPath(name, runId));
    }

    /// <summary>
    /// The run's snapshots until it has finished. The pipeline's grain may be on a silo that
    /// is lost meanwhile: the watch waits for the cluster to bring it back elsewhere (the run
    /// goes on there) instead of ending without the outcome.
    /// </summary>
    private static async IAsyncEnumerable<PipelineRunReport> Snapshots(
        IPipelineGrain pipeline, PipelineRunReport first, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = first;
        yield return run;
        var lostSince = (long?)null;
        while (!run.Status.IsFinished())
        {
            var started = Stopwatch.GetTimestamp();
            PipelineRunReport? next = null;
            try
            {
                next = await pipeline.WaitForRunAsync(run.RunId, WatchInterval).WaitAsync(cancellationToken);
                lostSince = null;
            }
            catch (Exception e) when (IsSiloLoss(e) && Stopwatch.GetElapsedTime(lostSince ??= started) < TimeSpan.FromMinutes(5))
            {
                // Retried below, after the pause.
            }
            if (next is not null)
            {
                run = next;
                yield return run;
            }
            var left = WatchInterval - Stopwatch.GetElapsedTime(started);
            if (!run.Status.IsFinished() && left > TimeSpan.Zero)
            {
                await Task.Delay(left, cancellationToken);
            }
        }
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException;

    private static string RunPath(string name, string runId) => $"/v1/pipelines/{Uri.EscapeDataString(name)}/runs/{Uri.EscapeDataString(runId)}";

    private static KeyNotFoundException NoRun(string name, string runId) => new($"pipeline {name} has no run {runId} (it keeps its latest runs)");
}
