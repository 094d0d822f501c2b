namespace Rapidbyte.Runtime.State;

/// <summary>
/// A checkpoint a connector reported (wit: <c>checkpoint</c>). For a source, <see cref="Payload"/>
/// is the cursor covering the first <see cref="Batches"/> batches it emitted; for a destination,
/// it says the first <see cref="Batches"/> batches it took are committed.
/// </summary>
public sealed record ConnectorCheckpoint(string Payload, long Batches);
