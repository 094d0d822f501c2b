using System.Collections.Concurrent;

namespace Rapidbyte.Runtime.State;

/// <summary>
/// Counters and gauges of one connector instance: the ones the host keeps (rows, bytes,
/// batches) and the ones the connector reports (wit: <c>counter-add</c>, <c>gauge-set</c>).
/// Readable at any time, from any thread, while the connector runs.
/// </summary>
public sealed class ConnectorMetrics
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _gauges = new(StringComparer.Ordinal);
    private long _rows;
    private long _bytes;
    private long _batches;
    private long _firstBatchTicks; // UTC ticks; 0 until the first batch

    /// <summary>Rows in the batches this instance emitted or took.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Arrow IPC bytes this instance emitted or took.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Batches this instance emitted or took.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>When this instance emitted or took its first batch (UTC); null until then.</summary>
    public DateTimeOffset? FirstBatchAt => Interlocked.Read(ref _firstBatchTicks) is var ticks and > 0
        ? new DateTimeOffset(ticks, TimeSpan.Zero)
        : null;

    /// <summary>The connector's own counters.</summary>
    public IReadOnlyDictionary<string, long> Counters => _counters;

    /// <summary>The connector's own gauges.</summary>
    public IReadOnlyDictionary<string, double> Gauges => _gauges;

    internal void AddBatch(long rows, long bytes)
    {
        if (Interlocked.Read(ref _firstBatchTicks) == 0)
        {
            Interlocked.CompareExchange(ref _firstBatchTicks, DateTimeOffset.UtcNow.UtcTicks, 0);
        }
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _batches);
    }

    internal void AddToCounter(string name, long delta) => _counters.AddOrUpdate(name, delta, (_, value) => value + delta);

    internal void SetGauge(string name, double value) => _gauges[name] = value;
}
