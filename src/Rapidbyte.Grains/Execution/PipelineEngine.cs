using Microsoft.Extensions.Logging;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Network;

namespace Rapidbyte.Grains.Execution;

/// <summary>
/// The silo's one connector runtime (one Wasmtime engine, each module compiled once) and
/// what stream grains need to plan and run streams with it.
/// </summary>
public sealed class PipelineEngine : IDisposable
{
    private readonly Lazy<Task<IReadOnlyList<string>>> _prepared;

    /// <param name="egress">The silo operator's egress policy every connector connects under.</param>
    public PipelineEngine(PipelineEngineOptions options, EgressPolicy egress, ILoggerFactory loggerFactory)
    {
        _prepared = new(() => Task.Run(PrepareConnectors));
        Options = options;
        Runtime = new ConnectorRuntime(new ConnectorRuntimeOptions { CompiledCacheDirectory = options.CompiledCacheDirectory, Egress = egress }, loggerFactory);
        var blob = options.Registry.Configured ? BlobConnectorRegistry.Create(options.Registry.Account!, options.Registry.Container) : null;
        Connectors = new ConnectorRegistry(Runtime, options.ConnectorsDirectory, blob, loggerFactory.CreateLogger<ConnectorRegistry>());
        Planner = new StreamPlanner(Connectors);
        Runner = new StreamRunner(Runtime);
    }

    public PipelineEngineOptions Options { get; }

    public ConnectorRuntime Runtime { get; }

    public ConnectorRegistry Connectors { get; }

    public StreamPlanner Planner { get; }

    public StreamRunner Runner { get; }

    /// <summary>
    /// Compiles (or loads from the compiled-code cache) every connector module in the
    /// directory, once: what a long-lived silo does before it says it is ready, so a run's
    /// first batch never waits for a compiler. The names of the connectors prepared.
    /// </summary>
    public Task<IReadOnlyList<string>> PrepareConnectorsAsync() => _prepared.Value;

    private async Task<IReadOnlyList<string>> PrepareConnectors()
    {
        var names = Connectors.Available();
        foreach (var name in names)
        {
            // By file: the directory's own module of that name, even where the Blob registry publishes one.
            await Connectors.LoadFileAsync(name);
        }
        return names;
    }

    public void Dispose() => Runtime.Dispose();
}
