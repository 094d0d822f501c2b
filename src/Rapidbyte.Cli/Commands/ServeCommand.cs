using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rapidbyte.Api;
using Rapidbyte.Cli.Output;
using Rapidbyte.Cli.Silo;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte serve [PIPELINE.yaml] [--port N]</c>: a long-lived local silo with the CLI's
/// embedded settings and the HTTP API on loopback (no tokens: development mode). A plain
/// <c>rapidbyte run</c> hands its run to it when the pipeline keeps its state where the server
/// does, and so skips starting a process's silo; the cursors are the same either way.
/// </summary>
internal static class ServeCommand
{
    public const int DefaultPort = 8484;

    public static Command Create()
    {
        var pipeline = new Argument<string?>("pipeline")
        {
            Description = "Keep state where this pipeline does (its state: section, else its destination database); without one, in the default SQLite file.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var port = new Option<int>("--port") { Description = "The API's port on 127.0.0.1.", DefaultValueFactory = _ => DefaultPort };
        var verbose = CommonArguments.Verbose();
        var command = new Command("serve", "Run a local server (a silo with the HTTP API on 127.0.0.1) that `rapidbyte run` hands its runs to; Ctrl-C stops it.") { pipeline, port, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (backend, connection) = (StateBackend.Sqlite, StateConnection.DefaultSqliteFile);
            if (parse.GetValue(pipeline) is { } path)
            {
                if (PipelineFile.Load(path) is not { } loaded)
                {
                    return ExitCodes.InvalidInput;
                }
                try
                {
                    (backend, connection) = (loaded.Spec.State.Backend, StateConnection.ConnectionString(loaded.Spec));
                }
                catch (ArgumentException e)
                {
                    await Console.Error.WriteLineAsync(e.Message);
                    return ExitCodes.InvalidInput;
                }
            }
            if (LocalServer.Find() is { } running)
            {
                await Console.Error.WriteLineAsync($"a local server is already up at {running.Url} (pid {running.Pid}); stop it first");
                return ExitCodes.Failed;
            }
            if (backend == StateBackend.Sqlite)
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(connection))!;
                try
                {
                    Directory.CreateDirectory(directory);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"the local server did not start: the directory of its state file, {directory}, cannot be made: {e.Message}");
                    return ExitCodes.Failed;
                }
            }
            var url = $"http://127.0.0.1:{parse.GetValue(port)}";
            var logs = new SiloLogs(parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
            var app = Build(backend, connection, url, logs);
            var server = new LocalServer(url + "/", Environment.ProcessId, StateConnection.Identity(backend, connection));
            var started = false;
            try
            {
                await logs.StartingAsync(() => app.StartAsync(cancellationToken));
                started = true;
                // Warm: the connectors compiled before the first run asks for them.
                await app.Services.GetRequiredService<PipelineEngine>().PrepareConnectorsAsync();
                // Last: once recorded, `rapidbyte run` hands runs to it.
                server.Write();
            }
            catch (Exception e) when (StartupFailure.Describe(e) is { } reason || e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"the local server did not start: {StartupFailure.Describe(e) ?? e.Message}");
                if (started)
                {
                    // Started, then failed to warm or to record itself: its silo leaves the cluster properly.
                    await app.StopAsync(CancellationToken.None);
                }
                await app.DisposeAsync();
                return ExitCodes.Failed;
            }
            Console.WriteLine($"rapidbyte server at {url} (API /v1, status page /status); state in {server.State}; Ctrl-C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: stop, handing runs in flight over at their last commit.
            }
            server.Remove();
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            Console.WriteLine("rapidbyte server stopped");
            return ExitCodes.Success;
        });
        return command;
    }

    private static WebApplication Build(StateBackend backend, string connection, string url, SiloLogs logs)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var engine = new PipelineEngineOptions { ConnectorsDirectory = CliPaths.ConnectorsDirectory, CompiledCacheDirectory = CliPaths.CompiledCacheDirectory };
        EmbeddedSilo.Compose(builder, EmbeddedSilo.Options(backend, connection, engine), logs);
        builder.Configuration["urls"] = url;
        builder.Configuration[$"{RapidbyteOptions.Section}:{ApiOptions.Section}:Authentication:Mode"] = nameof(ApiAuthenticationMode.Development);
        builder.AddRapidbyteApi();
        var app = builder.Build();
        app.UseRapidbyteApi();
        app.MapGet("/health/live", () => Results.Ok()).AllowAnonymous();
        return app;
    }
}
