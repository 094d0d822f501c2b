namespace Rapidbyte.Grains.Runs;

/// <summary>
/// The module a registered pipeline's connector reference resolved to when it was registered:
/// what every run of that registration runs, whatever is published later.
/// </summary>
/// <param name="Use">The reference as the YAML writes it (<c>source-postgres</c>, <c>source-postgres@1.2.0</c>, ...).</param>
/// <param name="Name">The connector's name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Digest">The module's SHA-256 (64 lower-case hex digits).</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.connector-pin")]
public sealed record ConnectorPin(string Use, string Name, string Version, string Digest)
{
    /// <summary>The reference to exactly this module: <c>name@sha256:digest</c>.</summary>
    public string Pinned => $"{Name}@sha256:{Digest}";
}
