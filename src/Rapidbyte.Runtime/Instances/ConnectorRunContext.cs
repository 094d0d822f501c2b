using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Runtime.Instances;

/// <summary>What one operation is connected to: the batch channel and the checkpoint sink.</summary>
public sealed record ConnectorRunContext
{
    public static ConnectorRunContext None { get; } = new();

    /// <summary>Where a <c>read</c> emits batches (completed when it succeeds, failed when not).</summary>
    public BatchChannel? Output { get; init; }

    /// <summary>Where a <c>write</c> takes batches from (failed when the write fails, so the source stops).</summary>
    public BatchChannel? Input { get; init; }

    /// <summary>Called, inside the guest's slice, for every checkpoint the connector reports.</summary>
    public Action<ConnectorCheckpoint>? OnCheckpoint { get; init; }

    /// <summary>A <c>write</c>'s answer to <c>source-checkpoint</c>: the source checkpoint covering exactly the first N batches, or null.</summary>
    public Func<long, string?>? SourceCheckpoint { get; init; }
}
