using Rapidbyte.Runtime.State;

namespace Rapidbyte.Engine.Streams;

/// <summary>
/// Decides which source cursor is safe to persist. A source checkpoint covers the first N
/// batches it emitted; a destination checkpoint says its first M batches are committed. The
/// committed cursor is the newest source checkpoint with N ≤ M — never one that covers rows
/// the destination has not committed. Called from both connectors' slices, on any thread.
/// </summary>
public sealed class CheckpointLedger
{
    private readonly Lock _gate = new();
    private readonly Queue<ConnectorCheckpoint> _pending = new();
    private long _committedBatches;
    private long _committedRows;
    // The batches CommittedCursor covers exactly.
    private long _committedCursorBatches = -1;

    /// <param name="initialCursor">The cursor the run started from (already committed).</param>
    public CheckpointLedger(string? initialCursor = null) => CommittedCursor = initialCursor;

    /// <summary>The newest cursor whose rows the destination has committed.</summary>
    public string? CommittedCursor { get; private set; }

    /// <summary>Batches the destination has reported committed.</summary>
    public long CommittedBatches
    {
        get
        {
            lock (_gate)
            {
                return _committedBatches;
            }
        }
    }

    /// <summary>Rows in the batches the destination has reported committed: what stays if the run fails now.</summary>
    public long CommittedRows
    {
        get
        {
            lock (_gate)
            {
                return _committedRows;
            }
        }
    }

    /// <summary>
    /// The source checkpoint that covers exactly the first <paramref name="batches"/> batches
    /// (the newest such), or null when those batches end between two of its checkpoints: what
    /// a destination commits with its rows as the stream's commit marker.
    /// </summary>
    public string? SourceCheckpointCovering(long batches)
    {
        lock (_gate)
        {
            var found = _committedCursorBatches == batches ? CommittedCursor : null;
            foreach (var checkpoint in _pending)
            {
                if (checkpoint.Batches > batches)
                {
                    break;
                }
                if (checkpoint.Batches == batches)
                {
                    found = checkpoint.Payload;
                }
            }
            return found;
        }
    }

    /// <summary>Raised (inside the destination's slice) when <see cref="CommittedCursor"/> moves.</summary>
    public event Action<string>? CursorCommitted;

    /// <summary>Raised (inside the destination's slice) with the rows committed so far, whenever the destination commits more, after <see cref="CursorCommitted"/>.</summary>
    public event Action<long>? RowsCommitted;

    public void OnSourceCheckpoint(ConnectorCheckpoint checkpoint)
    {
        string? advanced;
        lock (_gate)
        {
            _pending.Enqueue(checkpoint);
            advanced = Advance();
        }
        Notify(advanced);
    }

    public void OnDestinationCheckpoint(ConnectorCheckpoint checkpoint)
    {
        string? advanced;
        long? rows = null;
        lock (_gate)
        {
            _committedBatches = Math.Max(_committedBatches, checkpoint.Batches);
            if (checkpoint.Rows > _committedRows)
            {
                rows = _committedRows = checkpoint.Rows;
            }
            advanced = Advance();
        }
        Notify(advanced);
        if (rows is { } committed)
        {
            RowsCommitted?.Invoke(committed);
        }
    }

    // A source checkpoint can arrive after the destination already committed past it.
    private string? Advance()
    {
        string? advanced = null;
        while (_pending.TryPeek(out var next) && next.Batches <= _committedBatches)
        {
            advanced = _pending.Dequeue().Payload;
            _committedCursorBatches = next.Batches;
        }
        if (advanced is not null)
        {
            CommittedCursor = advanced;
        }
        return advanced;
    }

    private void Notify(string? advanced)
    {
        if (advanced is not null)
        {
            CursorCommitted?.Invoke(advanced);
        }
    }
}
