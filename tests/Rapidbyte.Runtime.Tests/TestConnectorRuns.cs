using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Runtime.Tests;

/// <summary>Runs a scenario of connectors/test-connector as a read into a fresh channel.</summary>
internal static class TestConnectorRuns
{
    public static async Task<StreamSummary> ReadAsync(
        ConnectorInstance instance, object config, BatchChannel? output = null,
        Action<ConnectorCheckpoint>? onCheckpoint = null, CancellationToken cancellationToken = default)
    {
        output ??= new BatchChannel(maxBatches: 1024);
        return await instance.ReadAsync(JsonSerializer.SerializeToElement(config), new StreamRequest("test"), output, onCheckpoint, cancellationToken);
    }
}
