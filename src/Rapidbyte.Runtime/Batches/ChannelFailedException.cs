using Rapidbyte.Contracts;

namespace Rapidbyte.Runtime.Batches;

/// <summary>The other side of a <see cref="BatchChannel"/> failed; the stream is incomplete.</summary>
public sealed class ChannelFailedException(ConnectorError failure) : Exception(failure.Message)
{
    /// <summary>Why the channel failed.</summary>
    public ConnectorError Failure { get; } = failure;
}
