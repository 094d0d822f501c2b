using Microsoft.Extensions.DependencyInjection;

namespace Rapidbyte.Grains.Tests;

/// <summary>Reminders in a real PostgreSQL through our own schema, with a real silo.</summary>
public sealed class ReminderTests : IAsyncLifetime
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private StateDatabase _state = null!;

    public async Task InitializeAsync() => _state = await StateDatabase.StartAsync();

    public async Task DisposeAsync() => await _state.DisposeAsync();

    [Fact]
    public async Task A_reminder_fires_repeatedly_is_stored_and_unregistering_deletes_it()
    {
        await using var silo = await StartSiloAsync();
        var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ITickingGrain>("nightly");

        await grain.StartAsync(Period);
        Assert.Equal(1L, await CountRemindersAsync());

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await grain.TicksAsync() < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.True(await grain.TicksAsync() >= 2, $"fired {await grain.TicksAsync()} times");

        await grain.StopAsync();
        Assert.Equal(0L, await CountRemindersAsync());
    }

    private async Task<long> CountRemindersAsync()
    {
        await using var command = _state.DataSource.CreateCommand("SELECT count(*) FROM reminders WHERE reminder_name = $1");
        command.Parameters.AddWithValue(TickingGrain.ReminderName);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<RunningSilo> StartSiloAsync()
    {
        return await RunningSilo.StartAsync(_state.ConnectionString, silo: silo => silo
            // The default minimum (1 min) would make the test wait minutes for two ticks.
            .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = Period));
    }
}
