using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.Runs;

/// <summary>Reading a <see cref="PipelineDefinition"/>: from a file where a user starts a run, and into a spec where a grain runs it.</summary>
public static class PipelineDefinitions
{
    /// <summary>Reads and validates a pipeline file, taking variables from <paramref name="environment"/>.</summary>
    /// <exception cref="PipelineSpecException">Every problem in the file.</exception>
    public static (PipelineDefinition Definition, PipelineSpec Spec) Load(string path, Func<string, string?> environment)
    {
        var yaml = PipelineSpecParser.ReadFile(path);
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

    /// <summary>The definition's spec, its variables substituted and its connectors pinned (if it is a registration's).</summary>
    /// <exception cref="PipelineSpecException">Every problem in the YAML.</exception>
    public static PipelineSpec Parse(this PipelineDefinition definition)
    {
        var spec = PipelineSpecParser.Parse(definition.Yaml, definition.File, name => definition.Variables.TryGetValue(name, out var value) ? value : null);
        return definition.Pins is { Count: > 0 } pins ? Pinned(spec, pins) : spec;
    }

    /// <summary><paramref name="spec"/> with each connector reference replaced by the module it is pinned to.</summary>
    public static PipelineSpec Pinned(PipelineSpec spec, IReadOnlyList<ConnectorPin> pins)
    {
        string Pin(string use) => pins.FirstOrDefault(p => p.Use == use)?.Pinned ?? use;
        return spec with
        {
            Source = spec.Source with { Use = Pin(spec.Source.Use) },
            Destination = spec.Destination with { Use = Pin(spec.Destination.Use) },
        };
    }
}
