using System.CommandLine;
using Rapidbyte.Cli.Output;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte validate PIPELINE.yaml</c>: the spec and its connector configs (checked against
/// each connector's own config schema: the modules are loaded), no connections.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var pipeline = CommonArguments.Pipeline();
        var command = new Command("validate", "Check a pipeline file without connecting to anything.") { pipeline };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(pipeline);
            using var session = new ConnectorSession();
            if (await PipelineChecks.LoadAsync(path, session, cancellationToken) is not { } loaded)
            {
                return ExitCodes.InvalidInput;
            }
            var spec = loaded.Spec;
            Console.WriteLine(
                $"{path}: valid. Pipeline {spec.Name}: {spec.Source.Use} -> {spec.Destination.Use} ({spec.Destination.WriteMode.ToString().ToLowerInvariant()}), " +
                $"streams: {string.Join(", ", spec.Source.Streams.Select(s => $"{s.Name} ({(s.SyncMode == Contracts.SyncMode.Incremental ? $"incremental by {s.CursorField}" : "full refresh")})"))}" +
                (spec.Schedule is { } schedule ? $", schedule '{schedule}'" : ""));
            return ExitCodes.Success;
        });
        return command;
    }
}
