namespace Rapidbyte.Grains.Runs;

/// <summary>A pipeline registered in the cluster, as a caller reads it back.</summary>
/// <param name="Name">The pipeline's name (its grain's key).</param>
/// <param name="Version">1 at the first registration, one more at each change of its YAML.</param>
/// <param name="Yaml">The YAML as registered: <c>${NAME}</c> references unresolved, no secret in it.</param>
/// <param name="File">The file name its errors cite.</param>
/// <param name="Paused">Whether its schedule is paused (it still runs on request).</param>
/// <param name="RegisteredAt">When it was first registered (UTC).</param>
/// <param name="UpdatedAt">When its current version was registered.</param>
/// <param name="Schedule">Its schedule in one line (<c>0 2 * * * (Europe/Berlin)</c>); null if it has none.</param>
/// <param name="NextOccurrence">When the schedule fires next; null if it has no schedule or is paused.</param>
/// <param name="LastOutcome">Its latest finished (or skipped) run, if any.</param>
/// <param name="Connectors">The connector modules its runs run, pinned when it was registered.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.pipeline-registration")]
public sealed record PipelineRegistration(
    string Name,
    long Version,
    string Yaml,
    string File,
    bool Paused,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt,
    string? Schedule,
    DateTimeOffset? NextOccurrence,
    PipelineRunReport? LastOutcome,
    IReadOnlyList<ConnectorPin>? Connectors = null);
