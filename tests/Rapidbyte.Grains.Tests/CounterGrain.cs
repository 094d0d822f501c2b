using Rapidbyte.Grains.State;

namespace Rapidbyte.Grains.Tests;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();
}

[GenerateSerializer, Alias("rapidbyte.tests.counter-state")]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}

/// <summary>A grain with persistent state, to see the storage work end to end.</summary>
public sealed class CounterGrain([PersistentState("counter", StateStorage.Name)] IPersistentState<CounterState> state)
    : Grain, ICounterGrain
{
    public async Task<int> IncrementAsync()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);
}
