using Microsoft.Extensions.Diagnostics.HealthChecks;
using Rapidbyte.Grains.Composition;

namespace Rapidbyte.Silo.Health;

/// <summary>Ready only while the state database answers: without it no grain can read or write its state.</summary>
internal sealed class StateDatabaseHealthCheck(StateStore store) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        bool reachable;
        try
        {
            reachable = await store.IsReachableAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            reachable = false;
        }
        return reachable
            ? HealthCheckResult.Healthy($"state database at {store.Describe()} answers")
            : HealthCheckResult.Unhealthy($"state database at {store.Describe()} does not answer");
    }
}
