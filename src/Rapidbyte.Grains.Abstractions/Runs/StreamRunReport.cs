namespace Rapidbyte.Grains.Runs;

/// <summary>One stream of a run: a live snapshot while it moves, its outcome once finished.</summary>
/// <param name="Stream">The stream's name.</param>
/// <param name="RunId">The pipeline run it belongs to.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Duration">Time since it started (so far, or in all).</param>
/// <param name="RowsRead">Rows the source emitted, over all attempts.</param>
/// <param name="RowsWritten">Rows the destination took (sent to its database), over all attempts; see <paramref name="RowsCommitted"/> for what stays.</param>
/// <param name="Bytes">Arrow bytes the source emitted.</param>
/// <param name="Batches">Batches the source emitted.</param>
/// <param name="Attempts">Attempts made (retryable failures are retried).</param>
/// <param name="Cursor">The committed cursor, as the source connector wrote it (JSON), if any.</param>
/// <param name="Error">Why it failed, in the connector's words.</param>
/// <param name="FirstBatchAt">
/// When the source emitted its first batch (UTC), in the first attempt that emitted one; null
/// until then. The distance from the process's or run's start is the start-up a user waits through.
/// </param>
/// <param name="RowsCommitted">
/// Rows the destination has committed, over all attempts: what stays whatever happens next.
/// Equal to <paramref name="RowsWritten"/> once the run succeeded; after a failure, the number
/// to trust (replace commits nothing until its final swap).
/// </param>
/// <param name="Silo">The silo the stream runs (or last ran) on.</param>
/// <param name="Resumes">Each time the stream was taken up again on another silo, oldest first.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.stream-run-report")]
public sealed record StreamRunReport(
    string Stream,
    string RunId,
    RunStatus Status,
    TimeSpan Duration,
    long RowsRead,
    long RowsWritten,
    long Bytes,
    long Batches,
    int Attempts,
    string? Cursor,
    string? Error,
    DateTimeOffset? FirstBatchAt = null,
    long RowsCommitted = 0,
    string? Silo = null,
    IReadOnlyList<RunResume>? Resumes = null)
{
    /// <summary>A stream that has not started yet.</summary>
    public static StreamRunReport Pending(string stream, string runId) =>
        new(stream, runId, RunStatus.Pending, TimeSpan.Zero, 0, 0, 0, 0, 0, null, null);

    /// <summary>Rows written per second so far.</summary>
    public double RowsPerSecond => Duration > TimeSpan.Zero ? RowsWritten / Duration.TotalSeconds : 0;

    /// <summary>Bytes per second so far.</summary>
    public double BytesPerSecond => Duration > TimeSpan.Zero ? Bytes / Duration.TotalSeconds : 0;
}
