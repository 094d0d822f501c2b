using Microsoft.Extensions.Diagnostics.HealthChecks;
using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Silo.Health;

/// <summary>Ready once every connector module the silo will run is fetched and compiled (<see cref="ConnectorPreparation"/>).</summary>
internal sealed class ConnectorsHealthCheck(ConnectorWarmUp warmUp) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Started by ConnectorPreparation once the silo runs (it asks the pipelines' grains); a
        // failed attempt is tried again from there too.
        if (warmUp.Current is not { } prepared)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("waiting for the silo to start before preparing the connector modules"));
        }
        return Task.FromResult(prepared.Status switch
        {
            TaskStatus.RanToCompletion => HealthCheckResult.Healthy($"compiled: {string.Join(", ", prepared.Result)}"),
            TaskStatus.Faulted => HealthCheckResult.Unhealthy($"a connector module could not be prepared (tried again every {ConnectorWarmUp.RetryAfter.TotalSeconds:F0} s): {prepared.Exception!.InnerException!.Message}"),
            _ => HealthCheckResult.Unhealthy("fetching and compiling the connector modules"),
        });
    }
}
