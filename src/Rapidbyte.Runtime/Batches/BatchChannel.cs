using Rapidbyte.Contracts;

namespace Rapidbyte.Runtime.Batches;

/// <summary>
/// The bounded channel between a source and a destination. It is bounded in batches and in
/// bytes, so the memory a stream holds depends on its limits, never on the table's size.
/// Neither side ever blocks: a full or empty channel answers at once, and the waiting side
/// awaits <see cref="WhenWritable"/> or <see cref="WhenReadable"/> with no thread held.
/// </summary>
public sealed class BatchChannel
{
    private readonly object _gate = new();
    private readonly Queue<ArrowBatch> _queue = new();
    private readonly int _maxBatches;
    private readonly long _maxBytes;
    private long _queuedBytes;
    // Size of the last write that found no room: writability is judged for that batch, or a
    // writer woken for "room" would find none and wait again at once (a spin).
    private int _blockedLength;
    private bool _completed;
    private ConnectorError? _failure;
    // Completed when the state changes; RunContinuationsAsynchronously so that completing
    // one never runs the other side's slice inside this side's host call.
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;

    /// <param name="maxBatches">Batches that may wait in the channel at once.</param>
    /// <param name="maxBytes">Bytes that may wait at once; a single larger batch still passes when the channel is empty.</param>
    public BatchChannel(int maxBatches = 4, long maxBytes = 64 * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _maxBatches = maxBatches;
        _maxBytes = maxBytes;
    }

    /// <summary>The first failure either side reported, if any.</summary>
    public ConnectorError? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>The writer finished (<see cref="Complete"/>): no batch comes after those queued.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Batches written so far.</summary>
    public long BatchesWritten { get; private set; }

    /// <summary>Batches taken so far.</summary>
    public long BatchesRead { get; private set; }

    /// <summary>Enqueues <paramref name="batch"/> if there is room; the channel owns it from then on.</summary>
    /// <returns>false when the channel is full (the caller keeps the batch).</returns>
    /// <exception cref="ChannelFailedException">The channel failed.</exception>
    /// <exception cref="InvalidOperationException">The channel was already completed.</exception>
    public bool TryWrite(ArrowBatch batch)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new ChannelFailedException(_failure);
            }
            if (_completed)
            {
                throw new InvalidOperationException("the batch channel was already completed");
            }
            if (!HasRoomFor(batch.Length))
            {
                _blockedLength = batch.Length;
                return false;
            }
            _blockedLength = 0;
            _queue.Enqueue(batch);
            _queuedBytes += batch.Length;
            BatchesWritten++;
            (wake, _readable) = (_readable, null);
        }
        wake?.TrySetResult();
        return true;
    }

    /// <summary>
    /// Whether a batch of <paramref name="length"/> bytes would be accepted now; when not,
    /// <see cref="WhenWritable"/> waits for room for that size. Lets a writer avoid copying a
    /// batch it cannot hand over yet.
    /// </summary>
    public bool CanWrite(int length)
    {
        lock (_gate)
        {
            if (HasRoomFor(length))
            {
                return true;
            }
            _blockedLength = length;
            return false;
        }
    }

    /// <summary>Takes the next batch if one is queued.</summary>
    public BatchReadStatus TryRead(out ArrowBatch? batch, out ConnectorError? failure)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            failure = _failure;
            batch = null;
            if (_failure is not null)
            {
                return BatchReadStatus.Failed;
            }
            if (_queue.Count == 0)
            {
                return _completed ? BatchReadStatus.End : BatchReadStatus.Empty;
            }
            batch = _queue.Dequeue();
            _queuedBytes -= batch.Length;
            BatchesRead++;
            (wake, _writable) = (_writable, null);
        }
        wake?.TrySetResult();
        return BatchReadStatus.Batch;
    }

    /// <summary>Completes when a batch, the end, or a failure is there to read.</summary>
    public Task WhenReadable()
    {
        lock (_gate)
        {
            return _queue.Count > 0 || _completed || _failure is not null
                ? Task.CompletedTask
                : (_readable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Completes when the last rejected batch would be accepted, or the channel failed.</summary>
    public Task WhenWritable()
    {
        lock (_gate)
        {
            return HasRoomFor(_blockedLength) || _failure is not null
                ? Task.CompletedTask
                : (_writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>The writer finished: after the queued batches, readers see the end.</summary>
    public void Complete()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _completed = true;
            (wake, _readable) = (_readable, null);
        }
        wake?.TrySetResult();
    }

    /// <summary>
    /// The writer failed or was cancelled: queued batches are dropped and the reader sees the
    /// failure, so a destination never treats a partial stream as complete.
    /// </summary>
    public void Fail(ConnectorError failure)
    {
        TaskCompletionSource? wakeReader, wakeWriter;
        lock (_gate)
        {
            _failure ??= failure;
            while (_queue.TryDequeue(out var dropped))
            {
                dropped.Dispose();
            }
            _queuedBytes = 0;
            (wakeReader, _readable) = (_readable, null);
            (wakeWriter, _writable) = (_writable, null);
        }
        wakeReader?.TrySetResult();
        wakeWriter?.TrySetResult();
    }

    /// <summary>Reads the next batch, waiting asynchronously; null at the end.</summary>
    /// <exception cref="ChannelFailedException">The writer failed.</exception>
    public async ValueTask<ArrowBatch?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            switch (TryRead(out var batch, out var failure))
            {
                case BatchReadStatus.Batch:
                    return batch;
                case BatchReadStatus.End:
                    return null;
                case BatchReadStatus.Failed:
                    throw new ChannelFailedException(failure!);
            }
            await WhenReadable().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a batch, waiting asynchronously while the channel is full.</summary>
    public async ValueTask WriteAsync(ArrowBatch batch, CancellationToken cancellationToken = default)
    {
        while (!TryWrite(batch))
        {
            await WhenWritable().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private bool HasRoomFor(int length) =>
        _queue.Count == 0 || _queue.Count < _maxBatches && _queuedBytes + length <= _maxBytes;
}
