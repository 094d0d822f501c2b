using System.Text.Json;
using Rapidbyte.Cli.Silo;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// Runs one connector operation outside a silo (check, discover, the config check of every
/// command): the bundled module, in the sandbox the pipeline would give it.
/// </summary>
internal sealed class ConnectorSession : IDisposable
{
    private readonly ConnectorRuntime _runtime = new(new ConnectorRuntimeOptions { CompiledCacheDirectory = CliPaths.CompiledCacheDirectory });
    private readonly ConnectorRegistry _registry;

    public ConnectorSession() => _registry = new ConnectorRegistry(_runtime, CliPaths.ConnectorsDirectory);

    /// <summary>Runs <paramref name="operation"/> on a fresh instance of connector <paramref name="use"/>.</summary>
    /// <exception cref="ConnectorNotFoundException">No such connector is bundled.</exception>
    /// <exception cref="ConnectorException">The connector failed.</exception>
    public Task<T> RunAsync<T>(PipelineSpec spec, string use, JsonElement config,
        Func<ConnectorInstance, CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        ConnectorCalls.RunAsync(_runtime, _registry, spec, use, config, operation, cancellationToken);

    /// <summary>Checks the pipeline's connector configs against each connector's own config schema.</summary>
    /// <exception cref="Pipelines.Parsing.PipelineSpecException">Every problem, located in the file.</exception>
    /// <exception cref="ConnectorException">A connector could not be loaded or asked for its spec.</exception>
    public Task CheckConfigsAsync(PipelineSpec spec, CancellationToken cancellationToken) =>
        ConnectorConfigs.CheckAsync(_registry, spec, referencesResolved: true, cancellationToken);

    public void Dispose() => _runtime.Dispose();
}
