namespace Rapidbyte.Pipelines.Spec;

/// <summary>Where cursors and run history live.</summary>
/// <param name="Connection">A PostgreSQL connection string; null means the destination database (its own schema).</param>
public sealed record StateSpec(string? Connection);
