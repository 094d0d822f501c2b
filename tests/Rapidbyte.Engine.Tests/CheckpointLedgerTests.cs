using Rapidbyte.Engine.Streams;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Engine.Tests;

public sealed class CheckpointLedgerTests
{
    [Fact]
    public void A_cursor_commits_only_once_the_destination_committed_the_batches_it_covers()
    {
        var ledger = new CheckpointLedger("c0");

        ledger.OnSourceCheckpoint(new ConnectorCheckpoint("c2", Batches: 2));
        ledger.OnSourceCheckpoint(new ConnectorCheckpoint("c5", Batches: 5));
        Assert.Equal("c0", ledger.CommittedCursor);

        ledger.OnDestinationCheckpoint(new ConnectorCheckpoint("{}", Batches: 4, Rows: 400));
        Assert.Equal("c2", ledger.CommittedCursor);
        Assert.Equal(400, ledger.CommittedRows);

        ledger.OnDestinationCheckpoint(new ConnectorCheckpoint("{}", Batches: 5, Rows: 470));
        Assert.Equal("c5", ledger.CommittedCursor);
        Assert.Equal(470, ledger.CommittedRows);
    }

    [Fact]
    public void A_source_checkpoint_after_the_commit_that_covers_it_commits_at_once()
    {
        var ledger = new CheckpointLedger();
        var committed = new List<string>();
        ledger.CursorCommitted += committed.Add;

        ledger.OnDestinationCheckpoint(new ConnectorCheckpoint("{}", Batches: 3));
        ledger.OnSourceCheckpoint(new ConnectorCheckpoint("c3", Batches: 3));
        ledger.OnSourceCheckpoint(new ConnectorCheckpoint("c4", Batches: 4));

        Assert.Equal("c3", ledger.CommittedCursor);
        Assert.Equal(["c3"], committed);
    }

    [Fact]
    public void Nothing_commits_without_a_destination_checkpoint()
    {
        var ledger = new CheckpointLedger();

        ledger.OnSourceCheckpoint(new ConnectorCheckpoint("c1", Batches: 1));

        Assert.Null(ledger.CommittedCursor);
    }
}
