using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Rapidbyte.Grains.State;

namespace Rapidbyte.Grains.Tests;

/// <summary>Grain state in a real PostgreSQL through our own schema, with a real silo.</summary>
public sealed class StateStorageTests : IAsyncLifetime
{
    private StateDatabase _state = null!;

    public async Task InitializeAsync() => _state = await StateDatabase.StartAsync(createSchema: false);

    public async Task DisposeAsync() => await _state.DisposeAsync();

    [Fact]
    public async Task Creating_the_schema_twice_is_harmless()
    {
        await StateSchema.EnsureAsync(_state.DataSource);
        await StateSchema.EnsureAsync(_state.DataSource);

        await using var command = _state.DataSource.CreateCommand("SELECT count(*) FROM orleansquery");
        // 4 grain storage + 7 reminder + 10 clustering queries, each once.
        Assert.Equal(21L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task State_survives_a_silo_restart()
    {
        await StateSchema.EnsureAsync(_state.DataSource);
        await using (var silo = await StartSiloAsync())
        {
            var counter = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("orders");
            await counter.IncrementAsync();
            Assert.Equal(2, await counter.IncrementAsync());
        }

        await using var restarted = await StartSiloAsync();
        Assert.Equal(2, await restarted.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("orders").GetAsync());
    }

    [Fact]
    public async Task A_write_behind_the_grains_back_is_an_etag_conflict_not_an_overwrite()
    {
        await StateSchema.EnsureAsync(_state.DataSource);
        await using var silo = await StartSiloAsync();
        var counter = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("contested");
        await counter.IncrementAsync();

        // Another writer (a second silo, a stale activation) moved the version on.
        await using (var bump = _state.DataSource.CreateCommand("UPDATE grain_state SET version = version + 1"))
        {
            await bump.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => counter.IncrementAsync());
        await using var read = _state.DataSource.CreateCommand("SELECT version FROM grain_state");
        Assert.Equal(2, await read.ExecuteScalarAsync());
    }

    private async Task<RunningSilo> StartSiloAsync()
    {
        return await RunningSilo.StartAsync(_state.ConnectionString);
    }
}
