using Rapidbyte.Runtime.Network;

namespace Rapidbyte.Runtime.Engine;

/// <summary>Settings of the connector runtime, one per silo.</summary>
public sealed record ConnectorRuntimeOptions
{
    /// <summary>
    /// Where compiled connector code is cached between processes (by module digest and
    /// Wasmtime version). Null keeps compiled code in memory only.
    /// </summary>
    public string? CompiledCacheDirectory { get; init; }

    /// <summary>
    /// Granularity of the CPU limit: the engine's epoch advances this often, and a slice is
    /// stopped once its deadline in epochs has passed.
    /// </summary>
    public TimeSpan EpochInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The silo operator's egress policy, checked on the resolved addresses of every connect
    /// of every connector (after the pipeline's own allow-list). Unrestricted by default.
    /// </summary>
    public EgressPolicy Egress { get; init; } = EgressPolicy.Unrestricted;
}
