using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.Runs;

/// <summary>A <see cref="PipelineDefinition"/> into the spec a grain runs.</summary>
public static class PipelineDefinitions
{
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
