using Rapidbyte.Engine.Connectors;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Testing;

namespace Rapidbyte.Engine.Tests;

public sealed class StreamPlannerTests : IDisposable
{
    private readonly ConnectorRuntime _runtime = new();

    private static Pipelines.Spec.PipelineSpec Spec(string source, string destination) => PipelineSpecParser.Parse($"""
        version: 1
        pipeline: p
        source:
          use: {source}
          config: {"{"}host: 127.0.0.1, port: 5432{"}"}
          streams: [{"{"}name: orders, sync_mode: incremental, cursor_field: id{"}"}]
        destination:
          use: {destination}
          config: {"{"}host: "::1", port: "6543"{"}"}
          write_mode: upsert
          primary_key: [id]
        resources: {"{"}batch_rows: 123, connector_memory: 64MiB{"}"}
        network:
          allow: ["metrics.internal:9000"]
        """, "p.yaml", _ => null);

    [Fact]
    public void Each_connector_may_reach_the_host_in_its_config_and_the_explicit_allow_list_only()
    {
        var spec = Spec("test-connector", "test-connector");

        var source = StreamPlanner.NetworkFor(spec, spec.Source.Config);
        var destination = StreamPlanner.NetworkFor(spec, spec.Destination.Config);

        Assert.True(source.IsAllowed("127.0.0.1", 5432));
        Assert.False(source.IsAllowed("127.0.0.1", 5433));
        Assert.False(source.IsAllowed("::1", 6543));
        Assert.True(destination.IsAllowed("::1", 6543));
        Assert.True(source.IsAllowed("metrics.internal", 9000) && destination.IsAllowed("metrics.internal", 9000));
    }

    [Fact]
    public async Task A_stream_becomes_two_endpoints_with_the_pipelines_modes_and_limits()
    {
        var spec = Spec("test-connector", "test-connector");
        var planner = new StreamPlanner(new ConnectorRegistry(_runtime, RepositoryPaths.ConnectorsDirectory));

        var (source, destination) = await planner.PlanAsync(spec, spec.Source.Streams[0], cursor: "{\"cursor\":\"7\"}", marker: new Contracts.MarkerKey("p/orders", "run1"));

        Assert.Equal(("orders", Contracts.SyncMode.Incremental, "id", "{\"cursor\":\"7\"}"),
            (source.Stream.Name, source.Stream.SyncMode, source.Stream.CursorField, source.Stream.Cursor));
        Assert.Equal(123, source.Stream.Limits!.MaxBatchRows);
        Assert.Equal(Contracts.WriteMode.Upsert, destination.Stream.WriteMode);
        Assert.Equal(["id"], destination.Stream.PrimaryKey!);
        // The source reads by the key too (a view has none); only an append keeps a commit marker.
        Assert.Equal(["id"], source.Stream.PrimaryKey!);
        Assert.Null(destination.Stream.Marker);
        Assert.Equal(64L * 1024 * 1024, source.Options.MemoryLimitBytes);
        // parallelism: auto (absent) is half the cores, at least one.
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), source.Stream.Parallelism);
        Assert.Equal(source.Stream.Parallelism, destination.Stream.Parallelism);
    }

    [Theory]
    [InlineData("source-postgres", "dest-postgres", "postgresql-binary-rows")]
    [InlineData("source-postgres", "test-connector", null)]
    [InlineData("test-connector", "dest-postgres", null)]
    public async Task Both_requests_name_the_native_encoding_both_specs_offer(string source, string destination, string? expected)
    {
        var spec = Spec(source, destination);
        var planner = new StreamPlanner(new ConnectorRegistry(_runtime, RepositoryPaths.ConnectorsDirectory));

        var (read, write) = await planner.PlanAsync(spec, spec.Source.Streams[0], cursor: null);

        Assert.Equal(expected, read.Stream.NativeEncoding);
        Assert.Equal(expected, write.Stream.NativeEncoding);
    }

    [Fact]
    public void The_shared_encoding_is_the_sources_first_that_the_destination_takes()
    {
        static Contracts.ConnectorSpec Offering(params string[] encodings) => new("c", "1", 1, "{}", [], [], NativeEncodings: encodings);

        Assert.Equal("b", Contracts.ConnectorSpec.Shared(Offering("a", "b", "c"), Offering("c", "b")));
        Assert.Null(Contracts.ConnectorSpec.Shared(Offering("a"), Offering("b")));
        Assert.Null(Contracts.ConnectorSpec.Shared(Offering("a"), new("c", "1", 1, "{}", [], [])));
    }

    [Fact]
    public async Task An_unknown_connector_is_named_with_the_ones_available()
    {
        var spec = Spec("source-nosuch", "test-connector");
        var planner = new StreamPlanner(new ConnectorRegistry(_runtime, RepositoryPaths.ConnectorsDirectory));

        var error = await Assert.ThrowsAsync<ConnectorNotFoundException>(() => planner.PlanAsync(spec, spec.Source.Streams[0], null));

        Assert.Contains("'source-nosuch'", error.Message);
        Assert.Contains("test-connector", error.Message);
    }

    public void Dispose() => _runtime.Dispose();
}
