using Rapidbyte.Cli.Output;
using Rapidbyte.Cli.Silo;
using Rapidbyte.Client;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// A <c>rapidbyte run</c> handed to the local server: only when one is up and keeps state
/// where this pipeline does (the same cursors whichever way it runs). The definition goes
/// over loopback with its variables' values, which the server holds for the run only.
/// </summary>
internal static class ServerRun
{
    /// <param name="path">The pipeline file as the user named it, for messages.</param>
    /// <returns>The run's exit code, or null when no fitting server is up (or it went away before taking the run): run it here.</returns>
    public static async Task<int?> TryAsync(string path, (PipelineDefinition Definition, PipelineSpec Spec) loaded, IReadOnlyList<string>? streams, IRunView view, bool verbose, CancellationToken cancellationToken)
    {
        if (LocalServer.Find() is not { } server)
        {
            return null;
        }
        string state;
        try
        {
            state = StateConnection.Identity(loaded.Spec.State.Backend, StateConnection.ConnectionString(loaded.Spec));
        }
        catch (ArgumentException)
        {
            return null; // the embedded run says what is wrong with its state
        }
        if (state != server.State)
        {
            if (verbose)
            {
                await Console.Error.WriteLineAsync($"the local server at {server.Url} keeps state in {server.State}, this pipeline in {state}: running it here");
            }
            return null;
        }
        var options = new RapidbyteClientOptions();
        options.Endpoints.Add(new Uri(server.Url));
        // One endpoint on loopback that takes no token: a plain HTTP client, without the failover,
        // token and retry handlers a cluster's clients need (building those costs a run's start
        // more than the hand-over itself).
        using var http = new HttpClient(new SocketsHttpHandler());
        using var client = new RapidbyteClient(http, options);
        PipelineRunReport started;
        try
        {
            started = await client.StartRunAsync(
                new RunRequest(loaded.Spec.Name, loaded.Definition.Yaml, loaded.Definition.File, loaded.Definition.Variables, streams is { Count: > 0 } ? streams : null),
                cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null; // it stopped since it was recorded
        }
        catch (RapidbyteBadRequestException e) when (e.Errors.Count > 0)
        {
            // The server's check of the file, as the embedded run prints its own.
            PipelineFile.Report(path, e.Errors);
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is RapidbyteBadRequestException or RapidbyteConflictException)
        {
            // As the embedded run says them: a stream it does not have, a run going.
            await Console.Error.WriteLineAsync(e.Message);
            return ExitCodes.InvalidInput;
        }
        if (verbose)
        {
            await Console.Error.WriteLineAsync($"run {started.RunId} handed to the local server at {server.Url}");
        }
        return await RunFollower.FollowAsync(client, view, started, cancellationToken);
    }
}
