using System.CommandLine;
using Microsoft.Extensions.Logging;
using Rapidbyte.Cli.Output;
using Rapidbyte.Cli.Silo;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte run PIPELINE.yaml [--stream NAME] [--json]</c>: one run on an embedded
/// silo, the same grains a cluster runs, or handed to the local server (<c>rapidbyte serve</c>)
/// when one is up and keeps state where the pipeline does. Ctrl-C cancels the run (streams roll
/// back what they have not committed, cursors stay at their last commit) and still prints the summary.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var line = new RunCommandLine();
        line.Command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(line.Pipeline);
            if (PipelineFile.Load(path) is not { } loaded)
            {
                return ExitCodes.InvalidInput;
            }
            var view = line.View(parse);
            // The server checks the connector configs itself (the same check, located in the same
            // file), so the client does not load the connectors just to hand the run over.
            if (await line.TryHandOverAsync(parse, loaded, view, cancellationToken) is { } exitCode)
            {
                return exitCode;
            }
            var engine = new PipelineEngineOptions
            {
                ConnectorsDirectory = CliPaths.ConnectorsDirectory,
                CompiledCacheDirectory = CliPaths.CompiledCacheDirectory,
                MaxRetries = Math.Max(0, parse.GetValue(line.MaxRetries)),
            };
            // The silo starts while the connector configs are checked: both are mostly CPU (the
            // host's composition, Wasmtime's), and one core would otherwise wait for the other.
            // A file that fails its check is still said before anything about the state database.
            EmbeddedSilo? silo;
            string? failure;
            await using (var start = EmbeddedSilo.Begin(loaded.Spec, parse.GetValue(line.Verbose) ? LogLevel.Information : LogLevel.Warning, engine, cancellationToken))
            {
                using (var session = new ConnectorSession())
                {
                    if (!await PipelineChecks.CheckConfigsAsync(path, loaded.Spec, session, cancellationToken))
                    {
                        return ExitCodes.InvalidInput;
                    }
                }
                try
                {
                    (silo, failure) = await start.TakeAsync();
                }
                catch (OperationCanceledException)
                {
                    return ExitCodes.Cancelled;
                }
            }
            if (silo is null)
            {
                await Console.Error.WriteLineAsync(failure);
                return ExitCodes.Failed;
            }
            await using (silo)
            {
                var grain = silo.Grains.GetGrain<IPipelineGrain>(loaded.Spec.Name);
                PipelineRunReport started;
                try
                {
                    try
                    {
                        started = await grain.StartRunAsync(loaded.Definition, parse.GetValue(line.Stream));
                    }
                    catch (PipelineBusyException e) when (e.RunningHere)
                    {
                        // A run of this pipeline stopped before its end (its process was killed) and
                        // this silo has just taken it up: it is seen to its end first.
                        Console.Error.WriteLine($"pipeline {loaded.Spec.Name}: run {e.RunId} was interrupted before it finished; taking it up again first");
                        var interrupted = await grain.GetRunAsync(e.RunId)
                            ?? throw new PipelineBusyException($"pipeline {loaded.Spec.Name}", e.RunId);
                        var ended = await WatchAsync(grain, interrupted, view.RefreshInterval, _ => { }, cancellationToken);
                        var why = ended.Streams.Select(s => s.Error).FirstOrDefault(error => error is not null);
                        Console.Error.WriteLine($"pipeline {loaded.Spec.Name}: run {e.RunId} {ended.Status.ToName()}{(why is null ? "" : $" ({why})")}; now this run");
                        started = await grain.StartRunAsync(loaded.Definition, parse.GetValue(line.Stream));
                    }
                }
                catch (Exception e) when (e is ArgumentException or PipelineBusyException or PipelineRejectedException)
                {
                    Console.Error.WriteLine(e.Message);
                    return ExitCodes.InvalidInput;
                }
                var finished = await view.FollowAsync(update => WatchAsync(grain, started, view.RefreshInterval, update, cancellationToken));
                view.Summarise(finished);
                return ExitCodes.Of(finished.Status);
            }
        });
        return line.Command;
    }

    // Follows the run until it ends, waiting on the grain rather than polling it. Ctrl-C asks
    // the grain to cancel, once, and goes on following: the run ends cancelled after its
    // streams rolled back.
    private static async Task<PipelineRunReport> WatchAsync(
        IPipelineGrain grain, PipelineRunReport started, TimeSpan refreshInterval, Action<PipelineRunReport> update,
        CancellationToken cancellationToken)
    {
        var interrupted = Task.Delay(Timeout.Infinite, cancellationToken);
        var cancelSent = false;
        var current = started;
        while (true)
        {
            update(current);
            if (current.Status.IsFinished())
            {
                return current;
            }
            var next = grain.WaitForRunAsync(started.RunId, refreshInterval);
            if (!cancelSent && await Task.WhenAny(next, interrupted) == interrupted)
            {
                cancelSent = true;
                await Console.Error.WriteLineAsync("cancelling: rolling back what is not committed...");
                await grain.CancelRunAsync(started.RunId);
            }
            current = await next
                ?? throw new InvalidOperationException($"run {started.RunId} of pipeline {started.Pipeline} is no longer known to its grain");
        }
    }
}
