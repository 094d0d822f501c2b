using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Silo.Health;

/// <summary>Compiles the connector modules as the silo starts, so that no run's first batch waits for a compiler.</summary>
internal sealed class ConnectorPreparation(PipelineEngine engine) : BackgroundService
{
    // A failure is reported by the readiness check, which keeps the silo out of rotation.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        engine.PrepareConnectorsAsync().ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
