namespace Rapidbyte.Runtime.Batches;

/// <summary>What <see cref="BatchChannel.TryRead"/> found.</summary>
public enum BatchReadStatus
{
    /// <summary>A batch was taken.</summary>
    Batch,
    /// <summary>Nothing queued yet; wait for <see cref="BatchChannel.WhenReadable"/>.</summary>
    Empty,
    /// <summary>The writer finished and every batch was taken.</summary>
    End,
    /// <summary>The writer failed or was cancelled: the stream is incomplete and must not be committed as complete.</summary>
    Failed,
}
