namespace Rapidbyte.Pipelines.Spec;

/// <summary>Hosts the connectors may reach besides the ones named in their own config.</summary>
public sealed record NetworkSpec(IReadOnlyList<string> Allow);
