using System.Text;

namespace Rapidbyte.Grains.Runs;

/// <summary>
/// A pipeline as it travels to the grains that run it: the YAML as written plus the values
/// of the environment variables it names, read where the user started it. Every grain parses
/// it with the one pipeline spec parser, and the silo's own environment plays no part. Never
/// persisted: <see cref="Variables"/> may hold secrets.
/// </summary>
/// <param name="Yaml">The file's text.</param>
/// <param name="File">The file name errors cite.</param>
/// <param name="Variables">The <c>${NAME}</c> values the YAML uses.</param>
/// <param name="Pins">The modules a registered pipeline's connectors are pinned to; none for a pipeline run as given.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.pipeline-definition")]
public sealed record PipelineDefinition(string Yaml, string File, IReadOnlyDictionary<string, string> Variables, IReadOnlyList<ConnectorPin>? Pins = null)
{
    // Records print their members; these members may hold passwords.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("File = ").Append(File).Append(", Variables = [").Append(string.Join(", ", Variables.Keys)).Append(']');
        return true;
    }
}
