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
        var spec = ResolvedRegistration("checked");
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
        var spec = ResolvedRegistration("discovered");
        try
        {
            return await CallConnectorAsync(spec, spec.Source.Use, spec.Source.Config, (c, ct) => c.DiscoverAsync(spec.Source.Config, ct));
        }
        catch (Exception e) when (e is ConnectorException or ConnectorNotFoundException or ConnectorRegistryException or OperationCanceledException)
        {
            throw new ConnectorFailedException($"{spec.Source.Use}: {(e is OperationCanceledException ? $"no answer within {ConnectorCallTimeout.TotalSeconds:F0} s" : e.Message)}");
        }
    }

    // The registered YAML with this silo's values for its references.
    private PipelineSpec ResolvedRegistration(string refused)
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        try
        {
            return Definition(registration).Parse();
        }
        catch (PipelineSpecException e)
        {
            throw new PipelineRejectedException(Name, e.Errors.Select(error => error.ToString()).ToList(), refused);
        }
    }

    private async Task<T> CallConnectorAsync<T>(PipelineSpec spec, string use, System.Text.Json.JsonElement config,
        Func<Runtime.Instances.ConnectorInstance, CancellationToken, Task<T>> operation)
    {
        using var timeout = new CancellationTokenSource(ConnectorCallTimeout);
        return await Task.Run(() => ConnectorCalls.RunAsync(engine.Runtime, engine.Connectors, spec, use, config, operation, timeout.Token));
    }
}
