using Microsoft.Extensions.Logging;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Runtime.Engine;

namespace Rapidbyte.Grains.Execution;

/// <summary>
/// The silo's one connector runtime (one Wasmtime engine, each module compiled once) and
/// what stream grains need to plan and run streams with it.
/// </summary>
public sealed class PipelineEngine : IDisposable
{
    public PipelineEngine(PipelineEngineOptions options, ILoggerFactory loggerFactory)
    {
        Options = options;
        Runtime = new ConnectorRuntime(new ConnectorRuntimeOptions { CompiledCacheDirectory = options.CompiledCacheDirectory }, loggerFactory);
        Connectors = new ConnectorRegistry(Runtime, options.ConnectorsDirectory);
        Planner = new StreamPlanner(Connectors);
        Runner = new StreamRunner(Runtime);
    }

    public PipelineEngineOptions Options { get; }

    public ConnectorRuntime Runtime { get; }

    public ConnectorRegistry Connectors { get; }

    public StreamPlanner Planner { get; }

    public StreamRunner Runner { get; }

    public void Dispose() => Runtime.Dispose();
}
