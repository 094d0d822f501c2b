namespace Rapidbyte.Grains.Runs;

/// <summary>What a stream keeps between runs, in grain storage.</summary>
[GenerateSerializer, Alias("rapidbyte.stream-state")]
public sealed class StreamState
{
    /// <summary>
    /// The source's cursor (as the connector wrote it) covering only rows the destination has
    /// committed: the next incremental run resumes from it.
    /// </summary>
    [Id(0)]
    public string? Cursor { get; set; }

    /// <summary>When <see cref="Cursor"/> last moved.</summary>
    [Id(1)]
    public DateTimeOffset? CursorCommittedAt { get; set; }

    /// <summary>The outcome of the latest finished run.</summary>
    [Id(2)]
    public StreamRunReport? LastRun { get; set; }

    /// <summary>The run in progress, if any: stored before it starts, cleared when it ends.</summary>
    [Id(3)]
    public StreamRunRecord? Active { get; set; }

    /// <summary>
    /// Set anew each time the stream's state is reset: the commit markers a destination keeps
    /// for this stream are keyed by it, so a marker written before the reset (a checkpoint
    /// the reset meant to forget) is never read back. Null until the first reset.
    /// </summary>
    [Id(4)]
    public string? Epoch { get; set; }
}
