using Rapidbyte.Grains.State;

namespace Rapidbyte.Grains;

/// <summary>The names of the registered pipelines, kept sorted in grain storage.</summary>
public sealed class PipelineCatalogGrain(
    [PersistentState("catalog", StateStorage.Name)] IPersistentState<PipelineCatalog> state) : Grain, IPipelineCatalogGrain
{
    public async Task AddAsync(string pipeline)
    {
        var names = state.State.Names;
        var index = names.BinarySearch(pipeline, StringComparer.Ordinal);
        if (index < 0)
        {
            names.Insert(~index, pipeline);
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string pipeline)
    {
        if (state.State.Names.Remove(pipeline))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Names.ToList());
}

[GenerateSerializer, Alias("rapidbyte.pipeline-catalog")]
public sealed class PipelineCatalog
{
    [Id(0)]
    public List<string> Names { get; set; } = [];
}
