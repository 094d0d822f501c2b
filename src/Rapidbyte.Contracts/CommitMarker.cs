namespace Rapidbyte.Contracts;

/// <summary>
/// What a destination committed last of a stream, kept in its own database in the same
/// transaction as the rows (wit <c>commit-marker</c>), so it is never behind or ahead of them.
/// </summary>
/// <param name="Run">The run that committed it.</param>
/// <param name="Checkpoint">The source checkpoint covering exactly the rows committed, if the source gave one.</param>
/// <param name="Complete">That commit was the run's last: the whole stream is in.</param>
public sealed record CommitMarker(string Run, string? Checkpoint, bool Complete);
