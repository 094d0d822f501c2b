using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>A pipeline grain's run in progress on this activation: its stored record and the latest snapshot of each of its streams.</summary>
internal sealed class PipelineRun(string pipeline, PipelineRunRecord record) : IDisposable
{
    public string RunId => Record.RunId;

    public PipelineRunRecord Record { get; } = record;

    /// <summary>A user's cancel: the streams stop and roll back what they have not committed.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Set when another owner took the run over: this activation stops watching it and records nothing.</summary>
    public bool Lost { get; set; }

    /// <summary>
    /// Set when its streams have ended and its outcome is taken: from then on it is over for
    /// whoever asks (its duration ends there), though its record is still being stored.
    /// </summary>
    public bool Ending { get; set; }

    /// <summary>Each stream's latest snapshot, in the spec's order.</summary>
    public StreamRunReport[] Streams { get; } = record.Streams.Select(s => StreamRunReport.Pending(s, record.RunId)).ToArray();

    public Task Completion { get; set; } = Task.CompletedTask;

    public PipelineRunReport Snapshot(bool finished = false) => Report(pipeline, Record, finished ? Outcome() : RunStatus.Running, Streams.ToArray());

    /// <summary>A run known only from its record (run by an owner elsewhere).</summary>
    public static PipelineRunReport Report(string pipeline, PipelineRunRecord record, RunStatus status, IReadOnlyList<StreamRunReport>? streams = null) => new(
        pipeline, record.RunId, status, record.StartedAt, DateTimeOffset.UtcNow - record.StartedAt,
        streams ?? record.Streams.Select(s => StreamRunReport.Pending(s, record.RunId)).ToList(),
        record.Resumes.ToList(),
        status.IsFinished() ? null : record.Owner,
        record.Trigger,
        record.ScheduledFor,
        Version: record.Version,
        Coalesced: record.Coalesced);

    private RunStatus Outcome() =>
        Streams.Any(s => s.Status == RunStatus.Failed) ? RunStatus.Failed
        : Streams.Any(s => s.Status != RunStatus.Succeeded) ? RunStatus.Cancelled
        : RunStatus.Succeeded;

    public void Dispose() => Cancellation.Dispose();
}
