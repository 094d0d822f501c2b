using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rapidbyte.Cli.Output;
using Rapidbyte.Cli.Silo;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte status PIPELINE.yaml [--json]</c>: what the pipeline's grains have stored —
/// each stream's cursor and last run, and the latest runs — read from the state database.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var pipeline = CommonArguments.Pipeline();
        var json = CommonArguments.Json();
        var command = new Command("status", "Show each stream's stored cursor and last run, and the pipeline's latest runs.") { pipeline, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (PipelineFile.Load(parse.GetRequiredValue(pipeline)) is not { } loaded)
            {
                return ExitCodes.InvalidInput;
            }
            var spec = loaded.Spec;
            var silo = await EmbeddedSilo.TryStartAsync(spec, LogLevel.Warning,
                new PipelineEngineOptions { ConnectorsDirectory = CliPaths.ConnectorsDirectory }, cancellationToken);
            if (silo is null)
            {
                return ExitCodes.Failed;
            }
            await using (silo)
            {
                var streams = new List<(string Name, StreamState State)>();
                foreach (var stream in spec.Source.Streams)
                {
                    streams.Add((stream.Name, await silo.Grains.GetGrain<IStreamGrain>(StreamKey.Of(spec.Name, stream.Name)).GetStateAsync()));
                }
                var history = await silo.Grains.GetGrain<IPipelineGrain>(spec.Name).GetHistoryAsync();
                if (parse.GetValue(json))
                {
                    Console.WriteLine(Json(spec.Name, streams, history));
                    return ExitCodes.Success;
                }
                foreach (var (name, state) in streams)
                {
                    Console.WriteLine($"stream {name}: cursor {state.Cursor ?? "(none)"}" +
                        (state.LastRun is { } last ? $"; last run {last.RunId} {last.Status.ToName()}, {Quantity.Rows(last.RowsCommitted)} rows committed" : "; never run"));
                }
                foreach (var run in history)
                {
                    Console.WriteLine($"run {run.RunId} at {run.StartedAt:u}: {run.Status.ToName()} in {Quantity.Seconds(run.Duration)}");
                }
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static string Json(string pipeline, List<(string Name, StreamState State)> streams, IReadOnlyList<PipelineRunReport> history)
    {
        var document = new
        {
            pipeline,
            streams = streams.Select(s => new
            {
                name = s.Name,
                cursor = s.State.Cursor,
                cursor_committed_at = s.State.CursorCommittedAt,
                last_run_id = s.State.LastRun?.RunId,
                last_run_status = s.State.LastRun?.Status.ToName(),
            }),
            runs = history.Select(r => new { run_id = r.RunId, status = r.Status.ToName(), started_at = r.StartedAt, duration_ms = (long)r.Duration.TotalMilliseconds }),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
