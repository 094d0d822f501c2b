using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Rapidbyte.Grains;
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
        pipelines.MapGet("/{name}/streams", StreamsAsync)
            .WithName("GetStreams").WithSummary("Each stream's committed cursor and its part of the last run.");
        pipelines.MapPost("/{name}/streams/{stream}/reset", ResetStreamAsync).RequireAuthorization(ApiRoles.Operator)
            .WithName("ResetStream").WithSummary("Forgets the stream's cursor: its next run reads from the start.");
    }

    private static async Task<Ok<IReadOnlyList<PipelineRegistration>>> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok(await RegisteredPipelines.ListAsync(grains));

    private static async Task<Ok<PipelineRegistration>> GetAsync(string name, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPipelineGrain>(name).GetRegistrationAsync() ?? throw new PipelineNotFoundException(name));

    private static async Task<Results<Created<PipelineRegistration>, Ok<PipelineRegistration>>> RegisterAsync(
        string name, [FromQuery] string? file, HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        // The server's body limit (Rapidbyte:Api:MaxRequestBytes) stops a larger body with 413.
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var yaml = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(yaml))
        {
            throw new ArgumentException("the body is empty: send the pipeline's YAML");
        }
        var registration = await grains.GetGrain<IPipelineGrain>(name).RegisterAsync(yaml, string.IsNullOrWhiteSpace(file) ? $"{name}.yaml" : file);
        return registration.Version == 1 && registration.RegisteredAt == registration.UpdatedAt
            ? TypedResults.Created($"/v1/pipelines/{Uri.EscapeDataString(name)}", registration)
            : TypedResults.Ok(registration);
    }

    private static async Task<NoContent> DeleteAsync(string name, [FromQuery(Name = "clear_state")] bool? clearState, IGrainFactory grains)
    {
        await grains.GetGrain<IPipelineGrain>(name).DeleteAsync(clearState ?? false);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<PipelineRegistration>> PauseAsync(string name, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPipelineGrain>(name).PauseAsync());

    private static async Task<Ok<PipelineRegistration>> ResumeAsync(string name, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPipelineGrain>(name).ResumeAsync());

    private static async Task<Ok<IReadOnlyList<StreamStatus>>> StreamsAsync(string name, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPipelineGrain>(name).GetStreamsAsync());

    private static async Task<Ok<StreamStatus>> ResetStreamAsync(string name, string stream, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPipelineGrain>(name).ResetStreamAsync(stream));
}
