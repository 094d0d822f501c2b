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
/// An append that asks for a commit marker (and whose destination keeps them) first reads
/// the marker back and starts the source right after what the destination last committed,
/// which may be past the cursor it was given (its cursor write was lost with a silo).
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
        using var writer = runtime.CreateInstance(destination.Connector, destination.Options);
        var marked = false;
        if (destination.Stream.Marker is { } key)
        {
            CommitMarker? marker;
            try
            {
                marked = (await writer.SpecAsync(cancellationToken).ConfigureAwait(false)).CommitMarkers;
                if (monitor is not null)
                {
                    monitor.Marked = marked;
                }
                marker = marked ? await writer.CommittedAsync(destination.Config, destination.Stream, cancellationToken).ConfigureAwait(false) : null;
            }
            catch (Exception e) when (e is ConnectorException or OperationCanceledException)
            {
                await CloseQuietly(writer).ConfigureAwait(false);
                var failure = e is ConnectorException c ? c.Error : new ConnectorError(ErrorCategory.Internal, "the run was cancelled");
                // Nothing moved: another attempt reads the marker again.
                return new StreamRunResult(null, null, source.Stream.Cursor, 0, 0, failure with { Message = "reading the destination's commit marker: " + failure.Message }, marked);
            }
            if (!marked)
            {
                destination = destination with { Stream = destination.Stream with { Marker = null } };
            }
            else if (marker is not null)
            {
                var incremental = source.Stream.SyncMode == SyncMode.Incremental;
                if (marker.Run == key.Run && marker.Complete)
                {
                    // This run's last commit is in; only its record of that was lost.
                    await CloseQuietly(writer).ConfigureAwait(false);
                    var cursor = incremental ? marker.Checkpoint ?? source.Stream.Cursor : source.Stream.Cursor;
                    if (incremental && cursor is not null && cursor != source.Stream.Cursor)
                    {
                        monitor?.CursorCommitted?.Invoke(cursor);
                    }
                    var none = new StreamSummary(0, 0, 0);
                    return new StreamRunResult(none, none, cursor, 0, 0, null, Marked: true);
                }
                if (incremental && marker.Checkpoint is { } past && past != source.Stream.Cursor)
                {
                    // The destination committed past the cursor given: go on from there.
                    source = source with { Stream = source.Stream with { Cursor = past } };
                    monitor?.CursorCommitted?.Invoke(past);
                }
            }
        }
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
        monitor?.Attach(reader.Metrics, writer.Metrics, ledger);

        // A full refresh resumes from nothing: its destination may commit only once the source is done.
        Func<long, string?> covering = source.Stream.SyncMode == SyncMode.Incremental
            ? ledger.SourceCheckpointCovering
            : batches => channel.IsCompleted ? ledger.SourceCheckpointCovering(batches) : null;
        var read = reader.ReadAsync(source.Config, source.Stream, channel, ledger.OnSourceCheckpoint, cancellationToken);
        var written = writer.WriteAsync(destination.Config, destination.Stream, channel, ledger.OnDestinationCheckpoint, cancellationToken, covering);
        var (readSummary, readError) = await Outcome(read).ConfigureAwait(false);
        var (writtenSummary, writeError) = await Outcome(written).ConfigureAwait(false);
        await CloseQuietly(reader).ConfigureAwait(false);
        await CloseQuietly(writer).ConfigureAwait(false);

        // The first failure wins (the channel keeps it): when one side fails, the other then
        // fails too, only because the channel did.
        var error = channel.Failure ?? readError ?? writeError;
        return new StreamRunResult(readSummary, writtenSummary, ledger.CommittedCursor, ledger.CommittedBatches, ledger.CommittedRows, error, marked);
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
