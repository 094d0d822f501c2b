using Rapidbyte.Contracts;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Grains;

/// <summary>
/// Check and discover for a registered pipeline: its connectors, in their sandbox, on this
/// silo with this silo's variables, off the grain's scheduler (they wait on the network).
/// </summary>
public sealed partial class PipelineGrain
{
    // A connector that cannot reach its database answers before the caller's call times out.
    private static readonly TimeSpan ConnectorCallTimeout = TimeSpan.FromSeconds(20);

    public async Task<IReadOnlyList<ConnectorCheck>> CheckAsync()
    {
        var spec = await ResolvedRegistrationAsync("checked");
        var checks = new List<ConnectorCheck>();
        foreach (var (part, use, config) in new[] { ("source", spec.Source.Use, spec.Source.Config), ("destination", spec.Destination.Use, spec.Destination.Config) })
        {
            try
            {
                var result = await CallConnectorAsync(spec, use, config, (c, ct) => c.CheckAsync(config, ct));
                checks.Add(new ConnectorCheck(part, use, result.Ok, result.Message));
            }
            catch (Exception e) when (e is ConnectorException or ConnectorNotFoundException or ConnectorRegistryException or OperationCanceledException)
            {
                checks.Add(new ConnectorCheck(part, use, false, e is OperationCanceledException ? $"no answer within {ConnectorCallTimeout.TotalSeconds:F0} s" : e.Message));
            }
        }
        return checks;
    }

    public async Task<IReadOnlyList<StreamSchema>> DiscoverAsync()
    {
        var spec = await ResolvedRegistrationAsync("discovered");
        try
        {
            return await CallConnectorAsync(spec, spec.Source.Use, spec.Source.Config, (c, ct) => c.DiscoverAsync(spec.Source.Config, ct));
        }
        catch (Exception e) when (e is ConnectorException or ConnectorNotFoundException or ConnectorRegistryException or OperationCanceledException)
        {
            throw new ConnectorFailedException($"{spec.Source.Use}: {(e is OperationCanceledException ? $"no answer within {ConnectorCallTimeout.TotalSeconds:F0} s" : e.Message)}");
        }
    }

    // The registered YAML with this silo's values for its references, its connector configs checked.
    private async Task<PipelineSpec> ResolvedRegistrationAsync(string refused)
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        PipelineSpec spec;
        try
        {
            spec = Definition(registration).Parse();
        }
        catch (PipelineSpecException e)
        {
            throw new PipelineRejectedException(Name, e.Errors.Select(error => error.ToString()).ToList(), refused);
        }
        var problems = await ConfigProblemsAsync(spec, referencesResolved: true);
        return problems.Count == 0 ? spec : throw new PipelineRejectedException(Name, problems, refused);
    }

    /// <summary>
    /// The problems of the pipeline's connector configs under each connector's own config schema
    /// (one line each, located in the file), or none. Off the grain's scheduler: it loads modules.
    /// </summary>
    /// <param name="referencesResolved">False for a spec whose <c>${NAME}</c> references stand for themselves (registration).</param>
    private async Task<IReadOnlyList<string>> ConfigProblemsAsync(PipelineSpec spec, bool referencesResolved)
    {
        try
        {
            await Task.Run(() => ConnectorConfigs.CheckAsync(engine.Connectors, spec, referencesResolved, CancellationToken.None));
            return [];
        }
        catch (PipelineSpecException e)
        {
            return e.Errors.Select(error => error.ToString()).ToList();
        }
        catch (Exception e) when (e is ConnectorException or ConnectorRegistryException)
        {
            return [$"the connector configs could not be checked: {e.Message}"];
        }
    }

    private async Task<T> CallConnectorAsync<T>(PipelineSpec spec, string use, System.Text.Json.JsonElement config,
        Func<Runtime.Instances.ConnectorInstance, CancellationToken, Task<T>> operation)
    {
        using var timeout = new CancellationTokenSource(ConnectorCallTimeout);
        return await Task.Run(() => ConnectorCalls.RunAsync(engine.Runtime, engine.Connectors, spec, use, config, operation, timeout.Token));
    }
}
