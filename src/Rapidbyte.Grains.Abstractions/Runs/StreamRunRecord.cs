namespace Rapidbyte.Grains.Runs;

/// <summary>
/// A stream's unfinished run, stored before it starts and kept until it ends: what lets a
/// stream grain activated on another silo (after a loss or a drain) find its run and go on
/// from the last committed cursor instead of forgetting it.
/// </summary>
[GenerateSerializer, Alias("rapidbyte.stream-run-record")]
public sealed class StreamRunRecord
{
    [Id(0)]
    public string RunId { get; set; } = "";

    [Id(1)]
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Attempts started so far, on every silo.</summary>
    [Id(2)]
    public int Attempts { get; set; }

    /// <summary>Rows the destination committed in this run, as of the last stored commit.</summary>
    [Id(3)]
    public long RowsCommitted { get; set; }

    /// <summary>Each time the run was taken up again on another silo.</summary>
    [Id(4)]
    public List<RunResume> Resumes { get; set; } = [];

    /// <summary>The counters of earlier activations' attempts (read, written, bytes, batches), as of their last stored commit.</summary>
    [Id(5)]
    public long RowsRead { get; set; }

    [Id(6)]
    public long RowsWritten { get; set; }

    [Id(7)]
    public long Bytes { get; set; }

    [Id(8)]
    public long Batches { get; set; }

    /// <summary>
    /// The destination keeps a commit marker with this run's rows (an append whose connector
    /// keeps them): taking the run up again after commits adds nothing twice.
    /// </summary>
    [Id(9)]
    public bool Marked { get; set; }
}
