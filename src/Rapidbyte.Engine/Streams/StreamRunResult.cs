using Rapidbyte.Contracts;

namespace Rapidbyte.Engine.Streams;

/// <summary>How a stream run ended.</summary>
/// <param name="Read">The source's summary, if it finished.</param>
/// <param name="Written">The destination's summary, if it finished.</param>
/// <param name="CommittedCursor">The newest cursor covered by committed rows (the one to persist).</param>
/// <param name="CommittedBatches">Batches of this run the destination has committed (0: it wrote nothing that stays).</param>
/// <param name="CommittedRows">Rows in those batches.</param>
/// <param name="Error">Why the run failed; null when both sides succeeded.</param>
public sealed record StreamRunResult(StreamSummary? Read, StreamSummary? Written, string? CommittedCursor, long CommittedBatches, long CommittedRows, ConnectorError? Error)
{
    public bool Succeeded => Error is null;
}
