using System.Text.Json;
using Rapidbyte.Pipelines.Parsing;

namespace Rapidbyte.Pipelines.Spec;

/// <param name="Use">The connector's name (e.g. <c>source-postgres</c>).</param>
/// <param name="Config">The connector's config, environment variables substituted. May hold secrets: never print it.</param>
public sealed record SourceSpec(string Use, JsonElement Config, IReadOnlyList<StreamSpec> Streams)
{
    /// <summary>Where <see cref="Config"/>'s members are written, for errors the connector's config schema finds.</summary>
    public ConfigLocations ConfigLocations { get; init; } = ConfigLocations.None("source.config");
}
