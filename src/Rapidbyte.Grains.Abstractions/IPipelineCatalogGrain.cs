namespace Rapidbyte.Grains;

/// <summary>
/// The names of the registered pipelines (one grain for the cluster, key
/// <see cref="Key"/>). A name is added before its pipeline is stored and removed after it is
/// deleted, so a listing never misses a registered pipeline; readers skip a name whose
/// pipeline turns out not to be registered (a registration that failed half-way).
/// </summary>
public interface IPipelineCatalogGrain : IGrainWithStringKey
{
    public const string Key = "pipelines";

    Task AddAsync(string pipeline);

    Task RemoveAsync(string pipeline);

    /// <summary>The names, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync();
}
