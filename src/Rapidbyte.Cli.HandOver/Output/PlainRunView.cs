using System.Diagnostics;
using System.Globalization;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Output;

/// <summary>
/// Output that is not a terminal (a log file, CI): one timestamped line when a stream
/// changes state and one every few seconds while it moves, then a summary.
/// </summary>
internal sealed class PlainRunView : IRunView
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, RunStatus> _shown = [];
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();

    public TimeSpan RefreshInterval { get; } = TimeSpan.FromSeconds(1);

    public Task<PipelineRunReport> FollowAsync(Func<Action<PipelineRunReport>, Task<PipelineRunReport>> watch) => watch(Show);

    public void Summarise(PipelineRunReport run)
    {
        foreach (var stream in run.Streams)
        {
            Line($"stream {stream.Stream}: {stream.Status.ToName()}, {Quantity.Rows(stream.RowsRead)} rows read, {Quantity.Rows(stream.RowsWritten)} written" +
                 (stream.RowsCommitted == stream.RowsWritten ? ", " : $" ({Quantity.Rows(stream.RowsCommitted)} committed), ") +
                 $"{Quantity.Megabytes(stream.Bytes)} in {Quantity.Seconds(stream.Duration)}" +
                 (stream.Attempts > 1 ? $", {stream.Attempts} attempts" : "") +
                 (stream.Cursor is null ? "" : $", cursor {stream.Cursor}") +
                 (stream.Error is null ? "" : $": {stream.Error}"));
        }
        var rows = run.Streams.Sum(s => s.RowsCommitted);
        Line($"pipeline {run.Pipeline}: {run.Status.ToName()} in {Quantity.Seconds(run.Duration)}, {Quantity.Rows(rows)} rows committed (run {run.RunId})");
    }

    private void Show(PipelineRunReport run)
    {
        var periodic = _sinceLast.Elapsed >= Interval;
        foreach (var stream in run.Streams)
        {
            var changed = !_shown.TryGetValue(stream.Stream, out var before) || before != stream.Status;
            _shown[stream.Stream] = stream.Status;
            if ((changed && !stream.Status.IsFinished()) || (periodic && stream.Status is RunStatus.Running or RunStatus.Retrying))
            {
                Line($"stream {stream.Stream}: {stream.Status.ToName()}, {Quantity.Rows(stream.RowsWritten)} rows, {Quantity.Megabytes(stream.Bytes)}, " +
                     $"{Quantity.Rate(stream.RowsPerSecond)}" + (stream.Status == RunStatus.Retrying ? $" (after: {stream.Error})" : ""));
            }
        }
        if (periodic)
        {
            _sinceLast.Restart();
        }
    }

    private static void Line(string text) =>
        Console.Out.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {text}");
}
