using System.Globalization;
using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Engine.Streams;

/// <summary>
/// Turns one stream of a pipeline spec into the two endpoints a <see cref="StreamRunner"/>
/// runs: connectors resolved, limits applied, and each connector's network allow-list made of
/// the host in its own config plus the pipeline's explicit <c>network.allow</c>.
/// </summary>
public sealed class StreamPlanner(ConnectorRegistry connectors)
{
    /// <param name="marker">
    /// The commit marker an append asks its destination to keep (the stream's key and the run);
    /// other write modes need none (replace starts over, upsert overwrites).
    /// </param>
    public async Task<(StreamEndpoint Source, StreamEndpoint Destination)> PlanAsync(
        PipelineSpec pipeline, StreamSpec stream, string? cursor,
        IConnectorStateStore? sourceState = null, IConnectorStateStore? destinationState = null,
        MarkerKey? marker = null, CancellationToken cancellationToken = default)
    {
        var limits = new BatchLimits(pipeline.Resources.BatchRows, pipeline.Resources.BatchBytes);
        // The source reads the key too: a view has none of its own to resume exactly after a row.
        var parallelism = stream.ParallelismFor(Environment.ProcessorCount);
        var read = new StreamRequest(stream.Name, stream.SyncMode, stream.Columns, stream.CursorField, cursor, PrimaryKey: pipeline.Destination.PrimaryKey, Limits: limits,
            Parallelism: parallelism);
        var write = new StreamRequest(stream.Name, WriteMode: pipeline.Destination.WriteMode, PrimaryKey: pipeline.Destination.PrimaryKey, Limits: limits,
            Marker: pipeline.Destination.WriteMode == WriteMode.Append ? marker : null, Parallelism: parallelism);
        // Both at once: a cold silo fetches and compiles the two modules side by side.
        var sourceModuleLoad = connectors.LoadAsync(pipeline.Source.Use, cancellationToken);
        var destinationModuleLoad = connectors.LoadAsync(pipeline.Destination.Use, cancellationToken);
        var (sourceModule, destinationModule) = (await sourceModuleLoad, await destinationModuleLoad);
        // Rows pass from source to destination untransformed, so the two may carry columns in an
        // encoding of their own (PostgreSQL's binary form between two PostgreSQL databases).
        var native = ConnectorSpec.Shared(
            await connectors.SpecOfAsync(sourceModule, cancellationToken),
            await connectors.SpecOfAsync(destinationModule, cancellationToken));
        return (
            new StreamEndpoint(sourceModule, pipeline.Source.Config, read with { NativeEncoding = native }, Options(pipeline, pipeline.Source.Config, sourceState)),
            new StreamEndpoint(destinationModule, pipeline.Destination.Config, write with { NativeEncoding = native }, Options(pipeline, pipeline.Destination.Config, destinationState)));
    }

    /// <summary>The hosts a connector may reach: its config's <c>host</c>[:<c>port</c>] and the pipeline's allow-list.</summary>
    public static NetworkPolicy NetworkFor(PipelineSpec pipeline, JsonElement config)
    {
        var entries = new List<string>(pipeline.Network.Allow);
        if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty("host", out var host) && host.ValueKind == JsonValueKind.String)
        {
            var port = config.TryGetProperty("port", out var p) ? p.ValueKind switch
            {
                JsonValueKind.Number => p.GetInt32().ToString(CultureInfo.InvariantCulture),
                JsonValueKind.String => p.GetString(),
                _ => null,
            } : null;
            var name = host.GetString()!;
            var bracketed = name.Contains(':', StringComparison.Ordinal) ? $"[{name}]" : name;
            entries.Add(port is null ? bracketed : $"{bracketed}:{port}");
        }
        return NetworkPolicy.Allow(entries);
    }

    /// <summary>The sandbox settings of a connector of <paramref name="pipeline"/> configured with <paramref name="config"/>.</summary>
    public static ConnectorInstanceOptions Options(PipelineSpec pipeline, JsonElement config, IConnectorStateStore? state = null) => new()
    {
        Network = NetworkFor(pipeline, config),
        MemoryLimitBytes = pipeline.Resources.ConnectorMemoryBytes,
        SliceCpuLimit = pipeline.Resources.CpuLimit,
        State = state ?? new InMemoryConnectorStateStore(),
    };
}
