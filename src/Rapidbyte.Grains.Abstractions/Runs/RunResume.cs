namespace Rapidbyte.Grains.Runs;

/// <summary>
/// A run (or one of its streams) taken up again after the silo carrying it was lost or
/// drained: where and when it went on, and from which committed cursor.
/// </summary>
/// <param name="At">When it was taken up again (UTC).</param>
/// <param name="Silo">The silo it went on on.</param>
/// <param name="Cursor">The committed cursor it went on from (incremental streams); null for a pipeline or a full refresh.</param>
/// <param name="Reason">Why it had stopped, in words for its operator.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.run-resume")]
public sealed record RunResume(DateTimeOffset At, string Silo, string? Cursor, string Reason);
