using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Pipelines.Parsing;

namespace Rapidbyte.Pipelines.Spec;

/// <param name="Config">The connector's config, environment variables substituted. May hold secrets: never print it.</param>
public sealed record DestinationSpec(string Use, JsonElement Config, WriteMode WriteMode, IReadOnlyList<string> PrimaryKey)
{
    /// <summary>Where <see cref="Config"/>'s members are written, for errors the connector's config schema finds.</summary>
    public ConfigLocations ConfigLocations { get; init; } = ConfigLocations.None("destination.config");
}
