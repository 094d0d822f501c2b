using System.Collections.Concurrent;
using Rapidbyte.Contracts;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;

namespace Rapidbyte.Engine.Connectors;

/// <summary>
/// Checks a pipeline's connector configs against the config schema each connector publishes
/// in its own spec, before anything runs: a misspelt or unsupported key, a value of the wrong
/// type, a missing required key is a spec error at its file:line:column, never a setting
/// silently ignored. Loads the connector modules and asks them for their spec; connects to
/// nothing.
/// </summary>
public static class ConnectorConfigs
{
    // A module's spec never changes: asked once per module digest and process.
    private static readonly ConcurrentDictionary<string, Lazy<Task<ConnectorSpec>>> Specs = new(StringComparer.Ordinal);

    /// <param name="referencesResolved">
    /// False where the spec was read with its <c>${NAME}</c> references standing for themselves
    /// (registration): their values are not checked, only their keys.
    /// </param>
    /// <exception cref="PipelineSpecException">Every problem of both configs (a connector that is not there is one, at its <c>use:</c>).</exception>
    /// <exception cref="Runtime.Errors.ConnectorException">A connector failed to load or to answer its spec.</exception>
    public static async Task CheckAsync(ConnectorRuntime runtime, ConnectorRegistry registry, PipelineSpec spec, bool referencesResolved,
        CancellationToken cancellationToken)
    {
        var errors = new List<SpecError>();
        foreach (var (use, config, locations) in new[]
        {
            (spec.Source.Use, spec.Source.Config, spec.Source.ConfigLocations),
            (spec.Destination.Use, spec.Destination.Config, spec.Destination.ConfigLocations),
        })
        {
            var part = locations.Path[..locations.Path.IndexOf('.', StringComparison.Ordinal)];
            Runtime.Modules.ConnectorModule module;
            try
            {
                module = registry.Load(use);
            }
            catch (ConnectorNotFoundException e)
            {
                errors.Add(new SpecError(locations.File, locations.Use.Line, locations.Use.Column, $"{part}.use", e.Message));
                continue;
            }
            var connector = await SpecOfAsync(runtime, module, cancellationToken).ConfigureAwait(false);
            try
            {
                errors.AddRange(ConfigSchemaCheck.Check(use, connector.ConfigSchema, config, locations, referencesResolved));
            }
            catch (FormatException e)
            {
                throw new Runtime.Errors.ConnectorException(use, new ConnectorError(ErrorCategory.Internal, e.Message), Runtime.Errors.ConnectorFault.ProtocolViolation, e);
            }
        }
        if (errors.Count > 0)
        {
            throw new PipelineSpecException(errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
    }

    private static async Task<ConnectorSpec> SpecOfAsync(ConnectorRuntime runtime, Runtime.Modules.ConnectorModule module, CancellationToken cancellationToken)
    {
        // Shared by whoever asks at the same time: not cancelled by one of them (it takes a slice of CPU, bounded by the sandbox).
        var asked = Specs.GetOrAdd(module.Sha256, _ => new Lazy<Task<ConnectorSpec>>(() => AskAsync(runtime, module)));
        try
        {
            return await asked.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (asked.Value.IsFaulted)
            {
                Specs.TryRemove(new KeyValuePair<string, Lazy<Task<ConnectorSpec>>>(module.Sha256, asked)); // asked again next time
            }
            throw;
        }
    }

    private static async Task<ConnectorSpec> AskAsync(ConnectorRuntime runtime, Runtime.Modules.ConnectorModule module)
    {
        using var instance = runtime.CreateInstance(module, new ConnectorInstanceOptions());
        var spec = await instance.SpecAsync().ConfigureAwait(false);
        await instance.CloseAsync().ConfigureAwait(false);
        return spec;
    }
}
