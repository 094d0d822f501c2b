using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Rapidbyte.Client;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Api.Endpoints;

/// <summary><c>/v1/pipelines</c>: registered pipelines, their schedules and their streams' cursors.</summary>
internal static class PipelineEndpoints
{
    public static void Map(RouteGroupBuilder pipelines)
    {
        pipelines.MapGet("/", ListAsync)
            .WithName("ListPipelines").WithSummary("Every registered pipeline: version, schedule, next occurrence, last outcome.");
        pipelines.MapGet("/{name}", GetAsync)
            .WithName("GetPipeline").WithSummary("A registered pipeline: its YAML as registered, schedule, next occurrence, last outcome.");
        pipelines.MapPut("/{name}", RegisterAsync).RequireAuthorization(ApiRoles.Admin)
            .Accepts<string>("application/yaml", "text/yaml", "text/plain")
            .WithName("RegisterPipeline").WithSummary("Registers the pipeline from the YAML in the body, or updates it (a new version if the YAML changed).");
        pipelines.MapDelete("/{name}", DeleteAsync).RequireAuthorization(ApiRoles.Admin)
            .WithName("DeletePipeline").WithSummary("Deletes the registration and its schedule; clear_state=true also forgets its cursors and history.");
        pipelines.MapPost("/{name}/pause", PauseAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("PausePipeline").WithSummary("Stops its schedule firing (it still runs on request).");
        pipelines.MapPost("/{name}/resume", ResumeAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("ResumePipeline").WithSummary("Fires its schedule again from the next occurrence; the pause is not caught up.");
        pipelines.MapPost("/{name}/check", CheckAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("CheckPipeline").WithSummary("Checks its source and destination as configured, on a silo with its variables.");
        pipelines.MapGet("/{name}/discover", DiscoverAsync)
            .WithName("DiscoverStreams").WithSummary("The streams its source offers, with their columns and keys; 502 if the source connector fails.");
        pipelines.MapGet("/{name}/streams", StreamsAsync)
            .WithName("GetStreams").WithSummary("Each stream's committed cursor and its part of the last run.");
        pipelines.MapPost("/{name}/streams/{stream}/reset", ResetStreamAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("ResetStream").WithSummary("Forgets the stream's cursor: its next run reads from the start.");
    }

    private static async Task<Ok<IReadOnlyList<PipelineRegistration>>> ListAsync(ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.ListPipelinesAsync(cancellationToken));

    private static async Task<Ok<PipelineRegistration>> GetAsync(string name, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.GetPipelineAsync(name, cancellationToken));

    private static async Task<Results<Created<PipelineRegistration>, Ok<PipelineRegistration>>> RegisterAsync(
        string name, [FromQuery] string? file, HttpRequest request, ClusterRapidbyteClient cluster, CancellationToken cancellationToken)
    {
        // The server's body limit (Rapidbyte:Api:MaxRequestBytes) stops a larger body with 413.
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var yaml = await reader.ReadToEndAsync(cancellationToken);
        var registration = await cluster.RegisterPipelineAsync(name, yaml, file, cancellationToken);
        return registration.Version == 1 && registration.RegisteredAt == registration.UpdatedAt
            ? TypedResults.Created($"/v1/pipelines/{Uri.EscapeDataString(name)}", registration)
            : TypedResults.Ok(registration);
    }

    private static async Task<NoContent> DeleteAsync(string name, [FromQuery(Name = "clear_state")] bool? clearState, ClusterRapidbyteClient cluster, CancellationToken cancellationToken)
    {
        await cluster.DeletePipelineAsync(name, clearState ?? false, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<PipelineRegistration>> PauseAsync(string name, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.PausePipelineAsync(name, cancellationToken));

    private static async Task<Ok<PipelineRegistration>> ResumeAsync(string name, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.ResumePipelineAsync(name, cancellationToken));

    private static async Task<Ok<IReadOnlyList<ConnectorCheck>>> CheckAsync(string name, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.CheckPipelineAsync(name, cancellationToken));

    private static async Task<Ok<IReadOnlyList<Contracts.StreamSchema>>> DiscoverAsync(string name, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.DiscoverStreamsAsync(name, cancellationToken));

    private static async Task<Ok<IReadOnlyList<StreamStatus>>> StreamsAsync(string name, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.GetStreamsAsync(name, cancellationToken));

    private static async Task<Ok<StreamStatus>> ResetStreamAsync(string name, string stream, ClusterRapidbyteClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.ResetStreamAsync(name, stream, cancellationToken));
}
