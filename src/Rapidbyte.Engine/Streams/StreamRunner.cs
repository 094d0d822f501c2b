using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Engine.Streams;

/// <summary>
/// Runs one stream: the source and the destination instance concurrently, joined by a
/// bounded channel, so memory depends on the channel's bounds and not on the table. A
/// failed or cancelled source fails the channel, so the destination never commits a
/// partial stream as complete; the cursor only moves past rows the destination committed.
/// </summary>
public sealed class StreamRunner(ConnectorRuntime runtime)
{
    /// <param name="maxBatchesInFlight">Batches the channel holds at most.</param>
    /// <param name="maxBytesInFlight">Bytes the channel holds at most.</param>
    /// <param name="monitor">Receives the instances' counters and each committed cursor.</param>
    public async Task<StreamRunResult> RunAsync(
        StreamEndpoint source, StreamEndpoint destination,
        int maxBatchesInFlight = 4, long maxBytesInFlight = 64 * 1024 * 1024,
        StreamRunMonitor? monitor = null,
        CancellationToken cancellationToken = default)
    {
        var ledger = new CheckpointLedger(source.Stream.Cursor);
        if (monitor?.CursorCommitted is { } committed)
        {
            ledger.CursorCommitted += committed;
        }
        if (monitor?.RowsCommitted is { } rows)
        {
            ledger.RowsCommitted += rows;
        }
        var channel = new BatchChannel(maxBatchesInFlight, maxBytesInFlight);
        using var reader = runtime.CreateInstance(source.Connector, source.Options);
        using var writer = runtime.CreateInstance(destination.Connector, destination.Options);
        monitor?.Attach(reader.Metrics, writer.Metrics, ledger);

        var read = reader.ReadAsync(source.Config, source.Stream, channel, ledger.OnSourceCheckpoint, cancellationToken);
        var written = writer.WriteAsync(destination.Config, destination.Stream, channel, ledger.OnDestinationCheckpoint, cancellationToken);
        var (readSummary, readError) = await Outcome(read).ConfigureAwait(false);
        var (writtenSummary, writeError) = await Outcome(written).ConfigureAwait(false);
        await CloseQuietly(reader).ConfigureAwait(false);
        await CloseQuietly(writer).ConfigureAwait(false);

        // The first failure wins (the channel keeps it): when one side fails, the other then
        // fails too, only because the channel did.
        var error = channel.Failure ?? readError ?? writeError;
        return new StreamRunResult(readSummary, writtenSummary, ledger.CommittedCursor, ledger.CommittedBatches, ledger.CommittedRows, error);
    }

    private static async Task<(StreamSummary? Summary, ConnectorError? Error)> Outcome(Task<StreamSummary> operation)
    {
        try
        {
            return (await operation.ConfigureAwait(false), null);
        }
        catch (ConnectorException e)
        {
            return (null, e.Error);
        }
        catch (OperationCanceledException)
        {
            return (null, new ConnectorError(ErrorCategory.Internal, "the run was cancelled"));
        }
    }

    // Close lets a connector say goodbye to its server; a failure to do so changes nothing committed.
    private static async Task CloseQuietly(Runtime.Instances.ConnectorInstance instance)
    {
        if (instance.DeathCause is not null)
        {
            return;
        }
        try
        {
            await instance.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectorException or OperationCanceledException)
        {
        }
    }
}
