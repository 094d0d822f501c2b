using System.Diagnostics;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>
/// A stream grain's run in progress: its counters over all attempts and the monitor of the
/// current one. Touched only on the grain's scheduler, except the monitor's counters, which
/// the connectors update from their own threads.
/// </summary>
internal sealed class StreamRun(string stream, string runId) : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _rowsRead;
    private long _rowsWritten;
    private long _rowsCommitted;
    private long _bytes;
    private long _batches;
    private DateTimeOffset? _firstBatchAt;

    public string RunId { get; } = runId;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The work that runs the stream; set once started.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public RunStatus Status { get; set; } = RunStatus.Running;

    public int Attempts { get; set; }

    public string? Error { get; set; }

    /// <summary>The current attempt's counters.</summary>
    public StreamRunMonitor? Monitor { get; set; }

    /// <summary>The outcome once finished; null while running.</summary>
    public StreamRunReport? Outcome { get; set; }

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

    public StreamRunReport Snapshot(string? cursor) => Outcome ?? new StreamRunReport(
        stream,
        RunId,
        Status,
        _clock.Elapsed,
        _rowsRead + (Monitor?.Source.Rows ?? 0),
        _rowsWritten + (Monitor?.Destination.Rows ?? 0),
        _bytes + (Monitor?.Source.Bytes ?? 0),
        _batches + (Monitor?.Source.Batches ?? 0),
        Attempts,
        cursor,
        Error,
        _firstBatchAt ?? Monitor?.Source.FirstBatchAt,
        _rowsCommitted + (Monitor?.CommittedRows ?? 0));

    public void Dispose() => Cancellation.Dispose();
}
