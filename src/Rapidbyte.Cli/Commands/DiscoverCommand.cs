using System.CommandLine;
using System.Text.Json;
using Rapidbyte.Cli.Output;
using Rapidbyte.Contracts;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Cli.Commands;

/// <summary><c>rapidbyte discover PIPELINE.yaml [--json]</c>: what the source can offer.</summary>
internal static class DiscoverCommand
{
    public static Command Create()
    {
        var pipeline = CommonArguments.Pipeline();
        var json = CommonArguments.Json();
        var command = new Command("discover", "List the source's streams and their columns.") { pipeline, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(pipeline);
            using var session = new ConnectorSession();
            if (await PipelineChecks.LoadAsync(path, session, cancellationToken) is not { } loaded)
            {
                return ExitCodes.InvalidInput;
            }
            var spec = loaded.Spec;
            IReadOnlyList<StreamSchema> streams;
            try
            {
                streams = await session.RunAsync(spec, spec.Source.Use, spec.Source.Config, (c, ct) => c.DiscoverAsync(spec.Source.Config, ct), cancellationToken);
            }
            catch (Exception e) when (e is ConnectorException or ConnectorNotFoundException)
            {
                Console.Error.WriteLine($"{spec.Source.Use}: {e.Message}");
                return ExitCodes.Failed;
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { streams }, ContractJson.Options));
                return ExitCodes.Success;
            }
            foreach (var stream in streams)
            {
                Console.WriteLine($"{stream.Name}{(stream.PrimaryKey.Count > 0 ? $"  (primary key: {string.Join(", ", stream.PrimaryKey)})" : "")}");
                var width = stream.Columns.Count == 0 ? 0 : stream.Columns.Max(c => c.Name.Length);
                foreach (var column in stream.Columns)
                {
                    Console.WriteLine($"  {column.Name.PadRight(width)}  {column.NativeType}{(column.Nullable ? "" : " not null")}  -> {column.ArrowType}{(column.NativeEncoding is { } native ? $" | {native}" : "")}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
