using Rapidbyte.Contracts;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

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
    /// <param name="referencesResolved">
    /// False where the spec was read with its <c>${NAME}</c> references standing for themselves
    /// (registration): their values are not checked, only their keys.
    /// </param>
    /// <exception cref="PipelineSpecException">Every problem of both configs (a connector that is not there is one, at its <c>use:</c>).</exception>
    /// <exception cref="Runtime.Errors.ConnectorException">A connector failed to load or to answer its spec.</exception>
    /// <exception cref="ConnectorRegistryException">The registry is unreachable and a module is not compiled here yet.</exception>
    public static async Task CheckAsync(ConnectorRegistry registry, PipelineSpec spec, bool referencesResolved, CancellationToken cancellationToken)
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
                module = await registry.LoadAsync(use, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectorNotFoundException e)
            {
                errors.Add(new SpecError(locations.File, locations.Use.Line, locations.Use.Column, $"{part}.use", e.Message));
                continue;
            }
            var connector = await registry.SpecOfAsync(module, cancellationToken).ConfigureAwait(false);
            try
            {
                // Named by its spec: a pinned reference (name@sha256:…) would bury the name in a digest.
                errors.AddRange(ConfigSchemaCheck.Check(connector.Name, connector.ConfigSchema, config, locations, referencesResolved));
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
}
