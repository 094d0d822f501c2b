using System.Text;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Hosting.Runs;

/// <summary>
/// A pipeline as it travels to the grains that run it: the YAML as written plus the values
/// of the environment variables it names, read where the user started it. Every grain parses
/// it with the one <see cref="PipelineSpecParser"/>, and the silo's own environment plays no
/// part. Never persisted: <see cref="Variables"/> may hold secrets.
/// </summary>
/// <param name="Yaml">The file's text.</param>
/// <param name="File">The file name errors cite.</param>
/// <param name="Variables">The <c>${NAME}</c> values the YAML uses.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.pipeline-definition")]
public sealed record PipelineDefinition(string Yaml, string File, IReadOnlyDictionary<string, string> Variables)
{
    /// <summary>Reads and validates a pipeline file, taking variables from <paramref name="environment"/>.</summary>
    /// <exception cref="PipelineSpecException">Every problem in the file.</exception>
    public static (PipelineDefinition Definition, PipelineSpec Spec) Load(string path, Func<string, string?> environment)
    {
        var yaml = System.IO.File.ReadAllText(path);
        var used = new Dictionary<string, string>(StringComparer.Ordinal);
        var spec = PipelineSpecParser.Parse(yaml, Path.GetFileName(path), name =>
        {
            var value = environment(name);
            if (value is not null)
            {
                used[name] = value;
            }
            return value;
        });
        return (new PipelineDefinition(yaml, Path.GetFileName(path), used), spec);
    }

    /// <exception cref="PipelineSpecException">Every problem in the YAML.</exception>
    public PipelineSpec Parse() => PipelineSpecParser.Parse(Yaml, File, name => Variables.TryGetValue(name, out var value) ? value : null);

    // Records print their members; these members may hold passwords.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("File = ").Append(File).Append(", Variables = [").Append(string.Join(", ", Variables.Keys)).Append(']');
        return true;
    }
}
