using System.Text.Json;
using Rapidbyte.Contracts;

namespace Rapidbyte.Pipelines.Spec;

/// <param name="Config">The connector's config, environment variables substituted. May hold secrets: never print it.</param>
public sealed record DestinationSpec(string Use, JsonElement Config, WriteMode WriteMode, IReadOnlyList<string> PrimaryKey);
