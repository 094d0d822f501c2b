using System.Text.Json;

namespace Rapidbyte.Pipelines.Spec;

/// <param name="Use">The connector's name (e.g. <c>source-postgres</c>).</param>
/// <param name="Config">The connector's config, environment variables substituted. May hold secrets: never print it.</param>
public sealed record SourceSpec(string Use, JsonElement Config, IReadOnlyList<StreamSpec> Streams);
