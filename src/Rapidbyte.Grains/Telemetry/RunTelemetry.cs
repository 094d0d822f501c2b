using System.Diagnostics;
using System.Diagnostics.Metrics;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains.Telemetry;

/// <summary>
/// What runs tell operators: per pipeline and stream, rows, bytes and batches moved, run
/// durations and outcomes (meter and activity source <see cref="Name"/>). A host exports
/// them (OpenTelemetry) or not; recording costs next to nothing when nobody listens.
/// </summary>
public sealed class RunTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "Rapidbyte";

    /// <summary>Traces of stream runs (one activity per run of a stream, with its attempts as events).</summary>
    public static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _rows;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;

    public RunTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _rows = meter.CreateCounter<long>("rapidbyte.stream.rows", "{row}", "Rows the destination took, per pipeline and stream.");
        _bytes = meter.CreateCounter<long>("rapidbyte.stream.bytes", "By", "Arrow bytes the source emitted.");
        _batches = meter.CreateCounter<long>("rapidbyte.stream.batches", "{batch}", "Batches the source emitted.");
        _runs = meter.CreateCounter<long>("rapidbyte.stream.runs", "{run}", "Finished stream runs, by status (succeeded, failed, cancelled).");
        _duration = meter.CreateHistogram<double>("rapidbyte.stream.run.duration", "s", "How long stream runs took, by status.");
    }

    /// <summary>Records a finished stream run.</summary>
    public void Finished(string pipeline, StreamRunReport run)
    {
        var tags = new TagList { { "pipeline", pipeline }, { "stream", run.Stream } };
        _rows.Add(run.RowsWritten, tags);
        _bytes.Add(run.Bytes, tags);
        _batches.Add(run.Batches, tags);
        tags.Add("status", run.Status.ToName());
        _runs.Add(1, tags);
        _duration.Record(run.Duration.TotalSeconds, tags);
    }
}
