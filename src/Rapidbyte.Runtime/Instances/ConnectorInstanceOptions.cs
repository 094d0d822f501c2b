using Rapidbyte.Contracts;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Runtime.Instances;

/// <summary>What one connector instance may do and where it keeps its state.</summary>
public sealed record ConnectorInstanceOptions
{
    /// <summary>Where the connector may connect (checked at every connect).</summary>
    public NetworkPolicy Network { get; init; } = NetworkPolicy.DenyAll;

    /// <summary>The connector's key-value state.</summary>
    public IConnectorStateStore State { get; init; } = new InMemoryConnectorStateStore();

    /// <summary>Linear-memory cap; growing past it fails the guest's allocation.</summary>
    public long MemoryLimitBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The longest one slice may run before it is stopped (an infinite loop, a runaway computation).</summary>
    public TimeSpan SliceCpuLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a cancelled operation may take to wind down before the instance is abandoned.</summary>
    public TimeSpan CancellationGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a TCP connect may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
