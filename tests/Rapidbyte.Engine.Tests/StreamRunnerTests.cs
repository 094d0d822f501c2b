using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.State;
using Rapidbyte.Testing;

namespace Rapidbyte.Engine.Tests;

public sealed class StreamRunnerTests : IDisposable
{
    private readonly ConnectorRuntime _runtime = new();

    [Fact]
    public async Task Source_and_destination_run_concurrently_and_the_batches_arrive()
    {
        var state = new InMemoryConnectorStateStore();
        var connector = _runtime.LoadModuleFile(RepositoryPaths.Connector("test-connector"));

        var result = await new StreamRunner(_runtime).RunAsync(
            Endpoint(connector, new { scenario = "arrow_sample" }),
            Endpoint(connector, new { scenario = "arrow_echo" }, state));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(5, result.Read!.Rows);
        Assert.Equal(5, result.Written!.Rows);
        Assert.Contains("echo-0", state.Snapshot().Keys);
    }

    [Fact]
    public async Task A_failing_source_fails_the_run_with_its_own_error_and_the_destination_stops()
    {
        var connector = _runtime.LoadModuleFile(RepositoryPaths.Connector("test-connector"));

        var result = await new StreamRunner(_runtime).RunAsync(
            Endpoint(connector, new { scenario = "panic", message = "source broke" }),
            Endpoint(connector, new { scenario = "arrow_echo" }));

        Assert.False(result.Succeeded);
        Assert.Contains("source broke", result.Error!.Message);
        Assert.Null(result.Written);
    }

    private static StreamEndpoint Endpoint(Runtime.Modules.ConnectorModule connector, object config, IConnectorStateStore? state = null) =>
        new(connector, JsonSerializer.SerializeToElement(config), new StreamRequest("test"),
            new ConnectorInstanceOptions { State = state ?? new InMemoryConnectorStateStore() });

    public void Dispose() => _runtime.Dispose();
}
