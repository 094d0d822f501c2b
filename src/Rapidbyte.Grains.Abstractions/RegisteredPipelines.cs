using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains;

/// <summary>Reading the cluster's registered pipelines.</summary>
public static class RegisteredPipelines
{
    /// <summary>Every registered pipeline, by name.</summary>
    public static async Task<IReadOnlyList<PipelineRegistration>> ListAsync(IGrainFactory grains)
    {
        var names = await grains.GetGrain<IPipelineCatalogGrain>(IPipelineCatalogGrain.Key).ListAsync();
        var registrations = await Task.WhenAll(names.Select(name => grains.GetGrain<IPipelineGrain>(name).GetRegistrationAsync()));
        return registrations.OfType<PipelineRegistration>().ToList();
    }
}
