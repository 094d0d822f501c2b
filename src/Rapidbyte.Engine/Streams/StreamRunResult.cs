using Rapidbyte.Contracts;

namespace Rapidbyte.Engine.Streams;

/// <summary>How a stream run ended.</summary>
/// <param name="Read">The source's summary, if it finished.</param>
/// <param name="Written">The destination's summary, if it finished.</param>
/// <param name="CommittedCursor">The newest cursor covered by committed rows (the one to persist).</param>
/// <param name="CommittedBatches">Batches of this run the destination has committed (0: it wrote nothing that stays).</param>
/// <param name="CommittedRows">Rows in those batches.</param>
/// <param name="Error">Why the run failed; null when both sides succeeded.</param>
/// <param name="Marked">
/// The destination kept a commit marker with its rows (an append asked for one and the
/// connector keeps them): another attempt resumes right after what it committed, so appending
/// again adds nothing twice.
/// </param>
public sealed record StreamRunResult(StreamSummary? Read, StreamSummary? Written, string? CommittedCursor, long CommittedBatches, long CommittedRows, ConnectorError? Error, bool Marked = false)
{
    public bool Succeeded => Error is null;
}
