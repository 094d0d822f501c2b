namespace Rapidbyte.Engine.Connectors;

/// <summary>A pipeline names a connector the registry does not have.</summary>
public sealed class ConnectorNotFoundException(string name, string directory, IReadOnlyList<string> available)
    : Exception($"connector '{name}' was not found in {directory} (available: {(available.Count == 0 ? "none" : string.Join(", ", available))})")
{
    public string Name { get; } = name;
}
