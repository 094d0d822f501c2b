using Rapidbyte.Client;
using Rapidbyte.Grains.Runs;

namespace SyncAfterBatch;

/// <summary>The pipeline to run.</summary>
public sealed record SyncRequest(string Pipeline);

/// <summary>Triggers the pipeline, logs its progress about once a second and its outcome, then stops the process.</summary>
public sealed partial class SyncWorker(IRapidbyteClient rapidbyte, SyncRequest request, IHostApplicationLifetime lifetime, ILogger<SyncWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var run = await rapidbyte.TriggerRunAsync(request.Pipeline, cancellationToken: stoppingToken);
            LogStarted(logger, request.Pipeline, run.RunId);
            var lastLog = DateTime.MinValue;
            var outcome = run;
            await foreach (var snapshot in rapidbyte.WatchRunAsync(request.Pipeline, run.RunId, stoppingToken))
            {
                outcome = snapshot;
                if (!snapshot.Status.IsFinished() && DateTime.UtcNow - lastLog >= TimeSpan.FromSeconds(1))
                {
                    lastLog = DateTime.UtcNow;
                    LogProgress(logger, run.RunId, snapshot.Streams.Sum(s => s.RowsWritten));
                }
            }
            foreach (var stream in outcome.Streams)
            {
                LogStream(logger, stream.Stream, stream.Status.ToName(), stream.RowsCommitted, stream.Error ?? "");
            }
            LogOutcome(logger, request.Pipeline, run.RunId, outcome.Status.ToName(), outcome.Duration.TotalSeconds);
            Environment.ExitCode = outcome.Status == RunStatus.Succeeded ? 0 : 1;
        }
        catch (RapidbyteApiException e)
        {
            // A run going already (409), no such pipeline (404), no rights (403): the API's words.
            LogRefused(logger, request.Pipeline, (int)e.StatusCode, e.Message);
            Environment.ExitCode = 1;
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(logger, e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: run {RunId} started")]
    private static partial void LogStarted(ILogger logger, string pipeline, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId}: {Rows} rows written so far")]
    private static partial void LogProgress(ILogger logger, string runId, long rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "  stream {Stream}: {Status}, {Rows} rows committed {Error}")]
    private static partial void LogStream(ILogger logger, string stream, string status, long rows, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: run {RunId} {Status} in {Seconds:F1} s")]
    private static partial void LogOutcome(ILogger logger, string pipeline, string runId, string status, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "pipeline {Pipeline}: the API refused ({Status}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string pipeline, int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "the Rapidbyte API could not be reached: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
