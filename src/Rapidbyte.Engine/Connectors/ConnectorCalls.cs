using System.Text.Json;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;

namespace Rapidbyte.Engine.Connectors;

/// <summary>
/// One connector operation outside a stream run (check, discover): the module from the
/// registry, in the sandbox the pipeline would give it (its network allow-list, memory and
/// CPU limits), closed after.
/// </summary>
public static class ConnectorCalls
{
    /// <exception cref="ConnectorNotFoundException">No module of that name.</exception>
    /// <exception cref="Runtime.Errors.ConnectorException">The connector failed (its message says why; never a secret).</exception>
    public static async Task<T> RunAsync<T>(ConnectorRuntime runtime, ConnectorRegistry registry, PipelineSpec spec, string use, JsonElement config,
        Func<ConnectorInstance, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var module = await registry.LoadAsync(use, cancellationToken);
        using var instance = runtime.CreateInstance(module, StreamPlanner.Options(spec, config));
        try
        {
            return await operation(instance, cancellationToken);
        }
        finally
        {
            if (instance.DeathCause is null)
            {
                await instance.CloseAsync(CancellationToken.None);
            }
        }
    }
}
