using System.CommandLine;

namespace Rapidbyte.Cli.Commands;

internal static class CommonArguments
{
    public static Argument<string> Pipeline() => new("pipeline") { Description = "The pipeline's YAML file." };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object on stdout instead of text." };

    public static Option<bool> Verbose() => new("--verbose", "-v") { Description = "Log what the connectors and the engine do (to stderr)." };
}
