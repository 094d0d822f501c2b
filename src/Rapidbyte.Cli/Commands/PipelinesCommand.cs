using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rapidbyte.Cli.Cluster;
using Rapidbyte.Cli.Output;
using Rapidbyte.Client;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Parsing;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte pipelines register|list|show|history|trigger|watch|cancel|streams|reset|pause|resume|delete</c>:
/// the pipelines registered in a running cluster, which run on their schedules there; through
/// a server's API (<c>--server</c>) or the cluster's state database (<c>--cluster</c>), with the
/// same output and exit codes either way.
/// </summary>
internal static class PipelinesCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public static Command Create() => new("pipelines", "Register pipelines in a running cluster, where they run on their schedules; list, inspect, trigger, pause, resume and delete them.")
    {
        Register(), List(), Show(), History(), Trigger(), Watch(), Cancel(), Streams(), Reset(), Pause(), Resume(), Delete(),
    };

    private static Command Register()
    {
        var file = CommonArguments.Pipeline();
        var command = Cluster(new Command("register", "Register a pipeline from its YAML (or update it: a new version when it changed). ${NAME} references stay unresolved; the silos read them when a run starts.") { file });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var path = parse.GetRequiredValue(file);
            string yaml;
            try
            {
                yaml = PipelineSpecParser.ReadFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PipelineSpecException)
            {
                Console.Error.WriteLine(e is PipelineSpecException spec ? string.Join(Environment.NewLine, spec.Errors) : $"{path}: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            // The name comes from the YAML; the cluster checks the rest (its prefix, no literal secrets).
            string name;
            try
            {
                name = RegistrationRules.Unresolved(yaml, Path.GetFileName(path)).Name;
            }
            catch (PipelineSpecException e)
            {
                foreach (var error in e.Errors)
                {
                    Console.Error.WriteLine(error);
                }
                return ExitCodes.InvalidInput;
            }
            var registration = await client.RegisterPipelineAsync(name, yaml, Path.GetFileName(path), cancellationToken);
            Print(parse, registration, $"pipeline {registration.Name}: version {registration.Version} registered; " +
                (registration.Schedule is null ? "no schedule (runs on request)" : $"schedule {registration.Schedule}, next run {When(registration.NextOccurrence)}"));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List()
    {
        var command = Cluster(new Command("list", "The registered pipelines: version, schedule, next run and last outcome."));
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var all = await client.ListPipelinesAsync(cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(all.Select(Json), JsonOptions));
                return ExitCodes.Success;
            }
            if (all.Count == 0)
            {
                Console.WriteLine("no pipelines are registered");
            }
            foreach (var r in all)
            {
                Console.WriteLine($"{r.Name}  v{r.Version}  {(r.Schedule is null ? "no schedule" : r.Paused ? $"{r.Schedule}, paused" : $"{r.Schedule}, next {When(r.NextOccurrence)}")}  last: {Outcome(r.LastOutcome)}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Show()
    {
        var name = Name();
        var command = Cluster(new Command("show", "A registered pipeline: its YAML as registered, version, schedule, next run and last outcome.") { name });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var registration = await client.GetPipelineAsync(parse.GetRequiredValue(name), cancellationToken);
            Print(parse, registration,
                $"pipeline {registration.Name}, version {registration.Version} (registered {registration.RegisteredAt:u}, updated {registration.UpdatedAt:u})\n" +
                $"schedule: {(registration.Schedule is null ? "none" : registration.Paused ? $"{registration.Schedule}, paused" : registration.Schedule)}\n" +
                $"next run: {When(registration.NextOccurrence)}\n" +
                $"last run: {Outcome(registration.LastOutcome)}\n" +
                $"connectors: {(registration.Connectors is { Count: > 0 } pins ? string.Join(", ", pins.Select(p => $"{p.Use} -> {p.Name} {p.Version} (sha256:{p.Digest})")) : "resolved at each run")}\n" +
                $"--- {registration.File}\n{registration.Yaml.TrimEnd()}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command History()
    {
        var name = Name();
        var command = Cluster(new Command("history", "A pipeline's latest runs and skipped occurrences, newest first in the order they ended.") { name });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var history = new List<PipelineRunReport>();
            for (string? after = null; ;)
            {
                var page = await client.ListRunsAsync(parse.GetRequiredValue(name), ClusterRapidbyteClient.LargestPage, after, cancellationToken);
                history.AddRange(page.Runs.Where(r => r.Status.IsFinished()));
                if ((after = page.Next) is null)
                {
                    break;
                }
            }
            if (parse.GetValue(JsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(history.Select(RunJson), JsonOptions));
                return ExitCodes.Success;
            }
            foreach (var run in history)
            {
                Console.WriteLine(Outcome(run));
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Trigger()
    {
        var name = Name();
        var stream = new Option<string[]>("--stream", "-s") { Description = "Run only this stream (repeatable)." };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the run to its end, as `rapidbyte run` shows it, and exit with its outcome." };
        var command = Cluster(new Command("trigger", "Start a run of a registered pipeline now, in the cluster (refused while one is going).") { name, stream, watch });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var pipeline = parse.GetRequiredValue(name);
            var run = await client.TriggerRunAsync(pipeline, parse.GetValue(stream) is { Length: > 0 } streams ? streams : null, cancellationToken);
            if (parse.GetValue(watch) && !run.Status.IsFinished())
            {
                return await FollowAsync(client, parse, run, cancellationToken);
            }
            Print(parse, RunJson(run), run.Status == RunStatus.Failed ? $"run {run.RunId} failed to start: {run.Error}" : $"run {run.RunId} started");
            return run.Status == RunStatus.Failed ? ExitCodes.Failed : ExitCodes.Success;
        }));
        return command;
    }

    private static Command Watch()
    {
        var name = Name();
        var runId = RunId();
        var command = Cluster(new Command("watch", "Follow a run to its end, as `rapidbyte run` shows it (Ctrl-C cancels the run); exits with its outcome.") { name, runId });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
            await FollowAsync(client, parse, await client.GetRunAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(runId), cancellationToken), cancellationToken)));
        return command;
    }

    private static Command Cancel()
    {
        var name = Name();
        var runId = RunId();
        var command = Cluster(new Command("cancel", "Cancel a run: its streams roll back what they have not committed; cursors stay at their last commit.") { name, runId });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            await client.CancelRunAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(runId), cancellationToken);
            Console.WriteLine($"run {parse.GetRequiredValue(runId)}: cancel requested");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Streams()
    {
        var name = Name();
        var command = Cluster(new Command("streams", "Each stream's committed cursor (where its next incremental run starts) and its part of the last run.") { name });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var streams = await client.GetStreamsAsync(parse.GetRequiredValue(name), cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(streams.Select(StreamJson), JsonOptions));
                return ExitCodes.Success;
            }
            foreach (var s in streams)
            {
                Console.WriteLine($"{s.Stream}  cursor {s.Cursor ?? "none"}{(s.CursorCommittedAt is { } at ? $" (committed {When(at)})" : "")}" +
                    $"  last run: {(s.LastRun is { } last ? $"{last.Status.ToName()}, {last.RowsCommitted} rows committed" : "none")}{(s.Running ? "  (running)" : "")}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Reset()
    {
        var name = Name();
        var stream = new Argument<string>("stream") { Description = "The stream whose cursor to forget." };
        var command = Cluster(new Command("reset", "Forget a stream's cursor: its next run reads from the start (refused while a run goes).") { name, stream });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var status = await client.ResetStreamAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(stream), cancellationToken);
            Print(parse, StreamJson(status), $"stream {status.Stream}: cursor forgotten; its next run reads from the start");
            return ExitCodes.Success;
        }));
        return command;
    }

    // Shows the run as `rapidbyte run` does until it ends; Ctrl-C cancels it once and goes on following.
    private static Task<int> FollowAsync(IRapidbyteClient client, ParseResult parse, PipelineRunReport run, CancellationToken cancellationToken) =>
        RunFollower.FollowAsync(client, parse.GetValue(JsonOption) ? new JsonRunView() : Console.IsOutputRedirected ? new PlainRunView() : new LiveRunView(), run, cancellationToken);

    private static Command Pause()
    {
        var name = Name();
        var command = Cluster(new Command("pause", "Stop a pipeline's schedule firing (it still runs on request).") { name });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var registration = await client.PausePipelineAsync(parse.GetRequiredValue(name), cancellationToken);
            Print(parse, registration, $"pipeline {registration.Name}: schedule paused");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Resume()
    {
        var name = Name();
        var command = Cluster(new Command("resume", "Fire a paused schedule again, from its next occurrence (what came while paused is not caught up).") { name });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var registration = await client.ResumePipelineAsync(parse.GetRequiredValue(name), cancellationToken);
            Print(parse, registration, $"pipeline {registration.Name}: schedule resumed, next run {When(registration.NextOccurrence)}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Delete()
    {
        var name = Name();
        var clear = new Option<bool>("--clear-state") { Description = "Also forget its streams' cursors and its run history (registering it again then starts from nothing)." };
        var command = Cluster(new Command("delete", "Delete a registered pipeline and its schedule; its cursors are kept unless --clear-state.") { name, clear });
        command.SetAction((parse, cancellationToken) => WithServiceAsync(parse, cancellationToken, async client =>
        {
            var pipeline = parse.GetRequiredValue(name);
            await client.DeletePipelineAsync(pipeline, parse.GetValue(clear), cancellationToken);
            Console.WriteLine($"pipeline {pipeline}: deleted{(parse.GetValue(clear) ? ", its cursors and history cleared" : "; its cursors are kept")}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static readonly Option<string?> ServerOption = ServiceConnection.ServerOption();
    private static readonly Option<string?> ClusterConnectionOption = ClusterConnection.ClusterOption();
    private static readonly Option<string> ClusterIdOption = ClusterConnection.ClusterIdOption();
    private static readonly Option<bool> JsonOption = CommonArguments.Json();

    private static Argument<string> Name() => new("name") { Description = "The pipeline's name." };

    private static Argument<string> RunId() => new("run") { Description = "The run's id." };

    private static Command Cluster(Command command)
    {
        command.Options.Add(ServerOption);
        command.Options.Add(ClusterConnectionOption);
        command.Options.Add(ClusterIdOption);
        command.Options.Add(JsonOption);
        return command;
    }

    // Connects, runs the action, and turns the service's refusals into messages and exit codes.
    private static async Task<int> WithServiceAsync(ParseResult parse, CancellationToken cancellationToken, Func<IRapidbyteClient, Task<int>> action)
    {
        await using var service = await ServiceConnection.TryOpenAsync(
            parse.GetValue(ServerOption), parse.GetValue(ClusterConnectionOption), parse.GetRequiredValue(ClusterIdOption), cancellationToken);
        if (service is null)
        {
            return ExitCodes.Failed;
        }
        try
        {
            return await action(service.Client);
        }
        catch (RapidbyteBadRequestException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.InvalidInput;
        }
        catch (RapidbyteApiException e)
        {
            Console.Error.WriteLine(e.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
                ? $"{service.Where} refused: {e.Message}{(Environment.GetEnvironmentVariable(ServiceConnection.TokenVariable) is null ? $" (no token: set {ServiceConnection.TokenVariable})" : "")}"
                : e.Message);
            return ExitCodes.Failed;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"{service.Where} cannot be reached: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.Failed;
        }
    }

    private static void Print(ParseResult parse, object json, string text)
    {
        var value = json is PipelineRegistration registration ? Json(registration) : json;
        Console.WriteLine(parse.GetValue(JsonOption) ? JsonSerializer.Serialize(value, JsonOptions) : text);
    }

    private static string When(DateTimeOffset? at) => at is { } time ? $"{time.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC" : "none";

    private static string Outcome(PipelineRunReport? run) => run is null ? "never run" :
        $"{run.StartedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC  {run.Status.ToName()}  {run.Trigger.ToString().ToLowerInvariant()}" +
        (run.ScheduledFor is { } due ? $" for {due.ToUniversalTime():HH:mm:ss}" : "") +
        (run.Coalesced > 0 ? $" (+{run.Coalesced} missed occurrences)" : "") +
        $"  run {run.RunId}" +
        (run.Status is RunStatus.Skipped or RunStatus.Failed && (run.Error ?? run.Streams.Select(s => s.Error).FirstOrDefault(e => e is not null)) is { } why ? $": {why}" : "");

    private static object Json(PipelineRegistration r) => new
    {
        name = r.Name,
        version = r.Version,
        file = r.File,
        paused = r.Paused,
        schedule = r.Schedule,
        next_occurrence = r.NextOccurrence,
        registered_at = r.RegisteredAt,
        updated_at = r.UpdatedAt,
        last_run = r.LastOutcome is null ? null : RunJson(r.LastOutcome),
        yaml = r.Yaml,
    };

    private static object StreamJson(StreamStatus s) => new
    {
        name = s.Stream,
        cursor = s.Cursor,
        cursor_committed_at = s.CursorCommittedAt,
        running = s.Running,
        last_run = s.LastRun is { } last ? new { run_id = last.RunId, status = last.Status.ToName(), rows_committed = last.RowsCommitted, error = last.Error } : null,
    };

    private static object RunJson(PipelineRunReport r) => new
    {
        run_id = r.RunId,
        status = r.Status.ToName(),
        trigger = r.Trigger.ToString().ToLowerInvariant(),
        scheduled_for = r.ScheduledFor,
        coalesced = r.Coalesced,
        started_at = r.StartedAt,
        duration_ms = (long)r.Duration.TotalMilliseconds,
        version = r.Version,
        error = r.Error,
        streams = r.Streams.Select(s => new { name = s.Stream, status = s.Status.ToName(), rows_committed = s.RowsCommitted, error = s.Error }),
    };
}
