using Rapidbyte.Contracts;

namespace Rapidbyte.Pipelines.Spec;

/// <summary>One table to move.</summary>
/// <param name="CursorField">The column an incremental read resumes from.</param>
/// <param name="Columns">The columns to read; null means all.</param>
public sealed record StreamSpec(string Name, SyncMode SyncMode, string? CursorField, IReadOnlyList<string>? Columns);
