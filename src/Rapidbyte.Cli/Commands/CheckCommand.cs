using Rapidbyte.Pipelines.Spec;
using System.CommandLine;
using Npgsql;
using Rapidbyte.Cli.Output;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Grains.State;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte check PIPELINE.yaml</c>: the spec, each connector's own check against its
/// server, and the state database; one line each.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var pipeline = CommonArguments.Pipeline();
        var command = new Command("check", "Validate a pipeline and check that its source, destination and state database can be used.") { pipeline };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(pipeline);
            using var session = new ConnectorSession();
            if (await PipelineChecks.LoadAsync(path, session, cancellationToken) is not { } loaded)
            {
                return ExitCodes.InvalidInput;
            }
            var spec = loaded.Spec;
            Report("spec", true, $"{path} is valid");
            var failed = 0;
            foreach (var (role, use, config) in new[] { ("source", spec.Source.Use, spec.Source.Config), ("destination", spec.Destination.Use, spec.Destination.Config) })
            {
                try
                {
                    var result = await session.RunAsync(spec, use, config, (c, ct) => c.CheckAsync(config, ct), cancellationToken);
                    failed += Report(role, result.Ok, $"{use}: {result.Message}") ? 0 : 1;
                }
                catch (Exception e) when (e is ConnectorException or ConnectorNotFoundException)
                {
                    failed += Report(role, false, $"{use}: {e.Message}") ? 0 : 1;
                }
            }
            failed += await CheckStateAsync(spec, cancellationToken) ? 0 : 1;
            return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task<bool> CheckStateAsync(Pipelines.Spec.PipelineSpec spec, CancellationToken cancellationToken)
    {
        if (spec.State.Backend == Pipelines.Spec.StateBackend.Sqlite)
        {
            var file = Path.GetFullPath(StateConnection.ConnectionString(spec));
            try
            {
                await SqliteGrainStorage.EnsureAsync(file, cancellationToken);
                return Report("state", true, $"SQLite file {file} is usable");
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                return Report("state", false, $"the SQLite state file {file} cannot be used: {e.Message}");
            }
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(StateConnection.WithTlsDefault(StateConnection.ConnectionString(spec))) { Timeout = 10 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return Report("state", true, $"database {builder.Database} on {builder.Host}:{builder.Port} is reachable; state goes in schema {StateSchema.DefaultSchema}");
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or TimeoutException)
        {
            return Report("state", false, $"the state database cannot be used: {e.Message}");
        }
    }

    private static bool Report(string what, bool ok, string message)
    {
        Console.WriteLine($"{(ok ? "ok  " : "FAIL")}  {what,-11} {message}");
        return ok;
    }
}
