using System.Diagnostics;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>
/// A stream grain's run in progress on this activation: its counters over all attempts (those
/// of earlier activations come from the stored <see cref="StreamRunRecord"/>) and the monitor
/// of the current one. Touched only on the grain's scheduler, except the monitor's counters,
/// which the connectors update from their own threads.
/// </summary>
internal sealed class StreamRun(string stream, StreamRunRecord record, string silo) : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _before = DateTimeOffset.UtcNow - record.StartedAt;
    private long _rowsRead = record.RowsRead;
    private long _rowsWritten = record.RowsWritten;
    private long _rowsCommitted = record.RowsCommitted;
    private long _bytes = record.Bytes;
    private long _batches = record.Batches;
    private DateTimeOffset? _firstBatchAt;

    public string RunId => Record.RunId;

    /// <summary>The stored record of this run; updated here, written by the grain.</summary>
    public StreamRunRecord Record { get; } = record;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Set when this activation stops the run to hand it to another silo (a drain), not to end it.</summary>
    public bool HandingOver { get; set; }

    /// <summary>The work that runs the stream; set once started.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public RunStatus Status { get; set; } = RunStatus.Running;

    public string? Error { get; set; }

    /// <summary>The current attempt's counters.</summary>
    public StreamRunMonitor? Monitor { get; set; }

    /// <summary>The outcome once finished; null while running.</summary>
    public StreamRunReport? Outcome { get; set; }

    /// <summary>Rows committed by every attempt so far, this one included.</summary>
    public long RowsCommitted => _rowsCommitted + (Monitor?.CommittedRows ?? 0);

    /// <summary>Folds the finished attempt's counters into the totals.</summary>
    public void EndAttempt()
    {
        if (Monitor is { } monitor)
        {
            _rowsRead += monitor.Source.Rows;
            _bytes += monitor.Source.Bytes;
            _batches += monitor.Source.Batches;
            _firstBatchAt ??= monitor.Source.FirstBatchAt;
            _rowsWritten += monitor.Destination.Rows;
            _rowsCommitted += monitor.CommittedRows;
        }
        Monitor = null;
    }

    /// <summary>Copies the counters so far into <see cref="Record"/>, for the next write of the grain's state.</summary>
    public void Save()
    {
        Record.RowsRead = _rowsRead + (Monitor?.Source.Rows ?? 0);
        Record.RowsWritten = _rowsWritten + (Monitor?.Destination.Rows ?? 0);
        Record.RowsCommitted = RowsCommitted;
        Record.Bytes = _bytes + (Monitor?.Source.Bytes ?? 0);
        Record.Batches = _batches + (Monitor?.Source.Batches ?? 0);
        Record.Marked |= Monitor?.Marked ?? false;
    }

    public StreamRunReport Snapshot(string? cursor) => Outcome ?? new StreamRunReport(
        stream,
        RunId,
        Status,
        _before + _clock.Elapsed,
        _rowsRead + (Monitor?.Source.Rows ?? 0),
        _rowsWritten + (Monitor?.Destination.Rows ?? 0),
        _bytes + (Monitor?.Source.Bytes ?? 0),
        _batches + (Monitor?.Source.Batches ?? 0),
        Record.Attempts,
        cursor,
        Error,
        _firstBatchAt ?? Monitor?.Source.FirstBatchAt,
        RowsCommitted,
        silo,
        Record.Resumes.ToList());

    public void Dispose() => Cancellation.Dispose();
}
