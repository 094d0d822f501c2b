using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Silo.Health;

/// <summary>
/// Prepares the connector modules once the silo has started (the registered pipelines are read
/// from their grains): the bundled ones and every one a registered pipeline is pinned to,
/// fetched and compiled before the silo says it is ready. Tried again every few seconds until it
/// succeeds; meanwhile the readiness check says what failed.
/// </summary>
internal sealed class ConnectorPreparation(ConnectorWarmUp warmUp, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await warmUp.PrepareAsync().WaitAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Reported by the readiness check, which keeps the silo out of rotation.
                await Task.Delay(ConnectorWarmUp.RetryAfter, stoppingToken);
            }
        }
    }
}
