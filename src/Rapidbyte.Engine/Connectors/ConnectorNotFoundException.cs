namespace Rapidbyte.Engine.Connectors;

/// <summary>A pipeline names a connector (or a version, or a digest of one) the registry does not have.</summary>
public sealed class ConnectorNotFoundException(string name, string where, IReadOnlyList<string> available, string? detail = null)
    : Exception($"connector '{name}' was not found in {where}{(detail is null ? "" : $" ({detail})")} (available: {(available.Count == 0 ? "none" : string.Join(", ", available))})")
{
    /// <summary>The reference as the pipeline wrote it.</summary>
    public string Name { get; } = name;
}
