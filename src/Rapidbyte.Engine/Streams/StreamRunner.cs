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
/// which may be past the cursor it was given (its cursor write was lost with a silo); a full
/// refresh's source starts meanwhile, as its rows do not depend on the marker.
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
        var channel = new BatchChannel(maxBatchesInFlight, maxBytesInFlight);
        using var readCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var reader = runtime.CreateInstance(source.Connector, source.Options);
        CheckpointLedger? ledger = null;
        Task<StreamSummary>? read = null;
        // A full refresh reads the same rows whatever the marker says: its read starts while the marker is read back
        // (into the bounded channel, nothing written yet), and stops if the marker shows this run already done. An
        // incremental read waits: the marker may move its start.
        if (destination.Stream.Marker is not null && source.Stream.SyncMode != SyncMode.Incremental)
        {
            ledger = new CheckpointLedger(source.Stream.Cursor);
            read = reader.ReadAsync(source.Config, source.Stream, channel, ledger.OnSourceCheckpoint, readCancel.Token);
        }
        var (marked, done, started) = await ReadMarkerAsync(writer, source, destination, monitor, cancellationToken).ConfigureAwait(false);
        if (done is not null)
        {
            if (read is not null)
            {
                await readCancel.CancelAsync().ConfigureAwait(false);
                await Outcome(read).ConfigureAwait(false);
                await CloseQuietly(reader).ConfigureAwait(false);
            }
            await CloseQuietly(writer).ConfigureAwait(false);
            return done;
        }
        (source, destination) = started;
        ledger ??= new CheckpointLedger(source.Stream.Cursor);
        if (monitor?.CursorCommitted is { } committed)
        {
            ledger.CursorCommitted += committed;
        }
        if (monitor?.RowsCommitted is { } rows)
        {
            ledger.RowsCommitted += rows;
        }
        monitor?.Attach(reader.Metrics, writer.Metrics, ledger);

        // A full refresh resumes from nothing: its destination may commit only once the source is done.
        Func<long, string?> covering = source.Stream.SyncMode == SyncMode.Incremental
            ? ledger.SourceCheckpointCovering
            : batches => channel.IsCompleted ? ledger.SourceCheckpointCovering(batches) : null;
        read ??= reader.ReadAsync(source.Config, source.Stream, channel, ledger.OnSourceCheckpoint, readCancel.Token);
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

    /// <summary>
    /// Reads back the commit marker the destination keeps for an append that asks for one: whether it keeps markers,
    /// the run's result when there is nothing to do (this run's last commit is in) or the marker could not be read,
    /// else the endpoints to run with (an incremental source starting after what the destination last committed).
    /// </summary>
    private static async Task<(bool Marked, StreamRunResult? Done, (StreamEndpoint Source, StreamEndpoint Destination) Start)> ReadMarkerAsync(
        Runtime.Instances.ConnectorInstance writer, StreamEndpoint source, StreamEndpoint destination, StreamRunMonitor? monitor,
        CancellationToken cancellationToken)
    {
        if (destination.Stream.Marker is not { } key)
        {
            return (false, null, (source, destination));
        }
        CommitMarker? marker;
        var marked = false;
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
            var failure = e is ConnectorException c ? c.Error : new ConnectorError(ErrorCategory.Internal, "the run was cancelled");
            // Nothing moved: another attempt reads the marker again.
            return (marked, new StreamRunResult(null, null, source.Stream.Cursor, 0, 0, failure with { Message = "reading the destination's commit marker: " + failure.Message }, marked), default);
        }
        if (!marked)
        {
            return (false, null, (source, destination with { Stream = destination.Stream with { Marker = null } }));
        }
        if (marker is null)
        {
            return (true, null, (source, destination));
        }
        var incremental = source.Stream.SyncMode == SyncMode.Incremental;
        if (marker.Run == key.Run && marker.Complete)
        {
            // This run's last commit is in; only its record of that was lost.
            var cursor = incremental ? marker.Checkpoint ?? source.Stream.Cursor : source.Stream.Cursor;
            if (incremental && cursor is not null && cursor != source.Stream.Cursor)
            {
                monitor?.CursorCommitted?.Invoke(cursor);
            }
            var none = new StreamSummary(0, 0, 0);
            return (true, new StreamRunResult(none, none, cursor, 0, 0, null, Marked: true), default);
        }
        if (incremental && marker.Checkpoint is { } past && past != source.Stream.Cursor)
        {
            // The destination committed past the cursor given: go on from there.
            source = source with { Stream = source.Stream with { Cursor = past } };
            monitor?.CursorCommitted?.Invoke(past);
        }
        return (true, null, (source, destination));
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
