using Rapidbyte.Contracts;

namespace Rapidbyte.Pipelines.Spec;

/// <summary>One table to move.</summary>
/// <param name="CursorField">The column an incremental read resumes from.</param>
/// <param name="Columns">The columns to read; null means all.</param>
/// <param name="Parallelism">
/// A full refresh of a table reads it with at most this many connections sharing one snapshot, and a destination
/// may write it with at most this many (PostgreSQL: replace); null (<c>auto</c>): half the machine's cores (at least
/// one), fewer for a small table.
/// </param>
public sealed record StreamSpec(string Name, SyncMode SyncMode, string? CursorField, IReadOnlyList<string>? Columns, int? Parallelism = null)
{
    /// <summary>The most connections a read or a write may use: <see cref="Parallelism"/>, or for <c>auto</c> half of <paramref name="cores"/>.</summary>
    public int ParallelismFor(int cores) => Parallelism ?? Math.Max(1, cores / 2);
}
