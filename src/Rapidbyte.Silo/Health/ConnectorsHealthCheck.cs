using Microsoft.Extensions.Diagnostics.HealthChecks;
using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Silo.Health;

/// <summary>Ready once every connector module is compiled (<see cref="ConnectorPreparation"/>).</summary>
internal sealed class ConnectorsHealthCheck(PipelineEngine engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var prepared = engine.PrepareConnectorsAsync();
        return Task.FromResult(prepared.Status switch
        {
            TaskStatus.RanToCompletion => HealthCheckResult.Healthy($"compiled: {string.Join(", ", prepared.Result)}"),
            TaskStatus.Faulted => HealthCheckResult.Unhealthy($"a connector module could not be compiled: {prepared.Exception!.InnerException!.Message}"),
            _ => HealthCheckResult.Unhealthy("compiling the connector modules"),
        });
    }
}
