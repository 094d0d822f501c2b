using Rapidbyte.Runtime.State;

namespace Rapidbyte.Engine.Streams;

/// <summary>
/// A window into a running stream: the two instances' counters, readable from any thread
/// while the run goes on, and a callback for each cursor the destination's commits cover.
/// </summary>
public sealed class StreamRunMonitor
{
    private static readonly ConnectorMetrics NotStarted = new();
    private CheckpointLedger? _ledger;

    /// <summary>
    /// Called with every newly committed cursor, in order, on the destination's slice thread:
    /// hand the value off and return, the destination waits meanwhile.
    /// </summary>
    public Action<string>? CursorCommitted { get; init; }

    /// <summary>Called with this attempt's committed rows each time the destination commits more, after <see cref="CursorCommitted"/>; same rules.</summary>
    public Action<long>? RowsCommitted { get; init; }

    /// <summary>The destination keeps a commit marker with this run's rows (see <see cref="StreamRunResult.Marked"/>); known before the first row moves.</summary>
    public bool Marked { get; internal set; }

    /// <summary>What the source instance emitted so far.</summary>
    public ConnectorMetrics Source { get; private set; } = NotStarted;

    /// <summary>What the destination instance took so far.</summary>
    public ConnectorMetrics Destination { get; private set; } = NotStarted;

    /// <summary>Rows the destination has committed so far (they stay whatever happens next).</summary>
    public long CommittedRows => _ledger?.CommittedRows ?? 0;

    internal void Attach(ConnectorMetrics source, ConnectorMetrics destination, CheckpointLedger ledger)
    {
        Source = source;
        Destination = destination;
        _ledger = ledger;
    }
}
