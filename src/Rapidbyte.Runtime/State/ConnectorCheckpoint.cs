namespace Rapidbyte.Runtime.State;

/// <summary>
/// A checkpoint a connector reported (wit: <c>checkpoint</c>). For a source, <see cref="Payload"/>
/// is the cursor covering the first <see cref="Batches"/> batches it emitted; for a destination,
/// it says the first <see cref="Batches"/> batches it took are committed.
/// </summary>
/// <param name="Rows">The rows in those batches, as the host counted them.</param>
public sealed record ConnectorCheckpoint(string Payload, long Batches, long Rows = 0);
