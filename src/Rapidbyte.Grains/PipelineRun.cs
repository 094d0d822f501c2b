using System.Diagnostics;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>A pipeline grain's run in progress: the latest snapshot of each of its streams.</summary>
internal sealed class PipelineRun(string pipeline, string runId, IReadOnlyList<string> streams) : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;

    public string RunId { get; } = runId;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Each stream's latest snapshot, in the spec's order.</summary>
    public StreamRunReport[] Streams { get; } = streams.Select(s => StreamRunReport.Pending(s, runId)).ToArray();

    public Task Completion { get; set; } = Task.CompletedTask;

    public PipelineRunReport Snapshot(bool finished = false) => new(
        pipeline, RunId, finished ? Outcome() : RunStatus.Running, _startedAt, _clock.Elapsed, Streams.ToArray());

    private RunStatus Outcome() =>
        Streams.Any(s => s.Status == RunStatus.Failed) ? RunStatus.Failed
        : Streams.Any(s => s.Status != RunStatus.Succeeded) ? RunStatus.Cancelled
        : RunStatus.Succeeded;

    public void Dispose() => Cancellation.Dispose();
}
