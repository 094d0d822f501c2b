using System.Text.Json.Serialization;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Engine.Connectors;

/// <summary>A connector module as a registry holds it: which connector, which version, which bytes.</summary>
/// <param name="Name">The connector's name (its spec's).</param>
/// <param name="Version">The version it is published as (its spec's).</param>
/// <param name="Digest">The module's SHA-256, 64 lower-case hex digits.</param>
/// <param name="Size">The module's length in bytes.</param>
/// <param name="PublishedAt">When it was published (for a local directory: the file's time).</param>
public sealed record PublishedConnector(string Name, string Version, string Digest, long Size, DateTimeOffset PublishedAt)
{
    /// <summary>The reference that names exactly this module.</summary>
    [JsonIgnore]
    public ConnectorReference Pinned => ConnectorReference.Pinned(Name, Digest);
}
