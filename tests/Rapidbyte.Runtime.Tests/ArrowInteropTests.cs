using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Runtime.Tests;

/// <summary>
/// Arrow IPC written by the Rust guest SDK reads back in Apache.Arrow C# with identical values,
/// and IPC written by Apache.Arrow reads (and re-encodes) identically in the guest.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class ArrowInteropTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task A_batch_written_by_the_guest_sdk_reads_identically_in_apache_arrow()
    {
        using var instance = fixture.Runtime.CreateInstance(fixture.TestConnector);
        var channel = new BatchChannel();

        var summary = await TestConnectorRuns.ReadAsync(instance, new { scenario = "arrow_sample" }, channel);

        Assert.Equal(ArrowSample.Rows, summary.Rows);
        using var batch = await channel.ReadAsync();
        Assert.NotNull(batch);
        Assert.Null(await channel.ReadAsync());
        ArrowSample.AssertSame(ArrowSample.Build(), ArrowSample.FromIpc(batch.Memory.ToArray()));
        Assert.Equal(ArrowSample.Rows, instance.Metrics.Rows);
    }

    [Fact]
    public async Task A_batch_written_by_apache_arrow_reads_and_reencodes_identically_in_the_guest()
    {
        var state = new InMemoryConnectorStateStore();
        using var instance = fixture.Runtime.CreateInstance(fixture.TestConnector, new Instances.ConnectorInstanceOptions { State = state });
        var sent = ArrowSample.Build();
        var channel = new BatchChannel();
        await channel.WriteAsync(ArrowBatch.CopyOf(ArrowSample.ToIpc(sent)));
        await channel.WriteAsync(ArrowBatch.CopyOf(ArrowSample.ToIpc(sent)));
        channel.Complete();

        var summary = await instance.WriteAsync(JsonSerializer.SerializeToElement(new { scenario = "arrow_echo" }), new StreamRequest("test"), channel);

        Assert.Equal(2 * ArrowSample.Rows, summary.Rows);
        Assert.Equal(2, summary.Batches);
        foreach (var key in new[] { "echo-0", "echo-1" })
        {
            ArrowSample.AssertSame(sent, ArrowSample.FromIpc(state.Snapshot()[key]));
        }
    }

    [Fact]
    public async Task The_destination_sees_a_failed_source_as_a_failure_not_an_end()
    {
        using var instance = fixture.Runtime.CreateInstance(fixture.TestConnector);
        var channel = new BatchChannel();
        await channel.WriteAsync(ArrowBatch.CopyOf(ArrowSample.ToIpc(ArrowSample.Build())));
        channel.Fail(new ConnectorError(ErrorCategory.Network, "source connection reset"));

        var error = await Assert.ThrowsAsync<Errors.ConnectorException>(() =>
            instance.WriteAsync(JsonSerializer.SerializeToElement(new { scenario = "arrow_echo" }), new StreamRequest("test"), channel));

        Assert.Contains("source connection reset", error.Message);
    }
}
