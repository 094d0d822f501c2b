using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;

namespace Rapidbyte.Runtime.Tests;

public sealed class BatchChannelTests
{
    private static ArrowBatch Batch() => ArrowBatch.CopyOf(ArrowSample.ToIpc(ArrowSample.Build()));

    [Fact]
    public void The_channel_is_bounded_in_batches()
    {
        var channel = new BatchChannel(maxBatches: 2);

        Assert.True(channel.TryWrite(Batch()));
        Assert.True(channel.TryWrite(Batch()));
        using var third = Batch();
        Assert.False(channel.TryWrite(third));
        Assert.False(channel.WhenWritable().IsCompleted);

        Assert.Equal(BatchReadStatus.Batch, channel.TryRead(out var taken, out _));
        taken!.Dispose();
        Assert.True(channel.WhenWritable().IsCompleted);
    }

    [Fact]
    public void The_channel_is_bounded_in_bytes_but_always_takes_one_batch()
    {
        using var probe = Batch();
        var channel = new BatchChannel(maxBatches: 10, maxBytes: probe.Length + 1);

        Assert.True(channel.TryWrite(Batch()));
        Assert.False(channel.CanWrite(probe.Length));
        Assert.False(channel.WhenWritable().IsCompleted);

        Assert.Equal(BatchReadStatus.Batch, channel.TryRead(out var taken, out _));
        taken!.Dispose();
        Assert.True(channel.WhenWritable().IsCompleted);
        Assert.True(channel.CanWrite(10 * probe.Length));
    }

    [Fact]
    public void A_reader_sees_the_end_only_after_every_batch()
    {
        var channel = new BatchChannel();
        Assert.False(channel.WhenReadable().IsCompleted);
        channel.TryWrite(Batch());
        channel.Complete();

        Assert.Equal(BatchReadStatus.Batch, channel.TryRead(out var batch, out _));
        batch!.Dispose();
        Assert.Equal(BatchReadStatus.End, channel.TryRead(out _, out _));
    }

    [Fact]
    public void A_failure_drops_queued_batches_and_wakes_both_sides()
    {
        var channel = new BatchChannel(maxBatches: 1);
        channel.TryWrite(Batch());
        var writable = channel.WhenWritable();
        Assert.False(writable.IsCompleted);

        channel.Fail(new ConnectorError(ErrorCategory.Network, "gone"));

        Assert.True(writable.IsCompleted);
        Assert.Equal(BatchReadStatus.Failed, channel.TryRead(out _, out var failure));
        Assert.Equal("gone", failure!.Message);
        using var late = Batch();
        Assert.Throws<ChannelFailedException>(() => channel.TryWrite(late));
    }

    [Fact]
    public void Malformed_ipc_is_rejected_with_a_reason()
    {
        var error = Assert.Throws<InvalidDataException>(() => ArrowBatch.CopyOf(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 8, 0, 0, 0, 1, 2, 3 }));

        Assert.Contains("Arrow", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
