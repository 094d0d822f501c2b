using Microsoft.Extensions.DependencyInjection;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Grains.Tests;

/// <summary>Cluster membership in a real PostgreSQL through our own schema, with real silos.</summary>
public sealed class ClusteringTests : IAsyncLifetime
{
    private const string ClusterId = "tests";
    private const int Active = 3; // SiloStatus.Active

    private StateDatabase _state = null!;

    public async Task InitializeAsync() => _state = await StateDatabase.StartAsync();

    public async Task DisposeAsync() => await _state.DisposeAsync();

    [Fact]
    public async Task Silos_join_through_the_membership_table_and_serve_grain_calls()
    {
        await using var first = await StartSiloAsync();
        Assert.Equal(1, await first.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("first").IncrementAsync());
        Assert.Equal([Active], await StatusesAsync());

        await using var second = await StartSiloAsync();
        Assert.Equal(1, await second.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("second").IncrementAsync());
        Assert.Equal([Active, Active], await StatusesAsync());
    }

    private async Task<List<int>> StatusesAsync()
    {
        await using var command = _state.DataSource.CreateCommand("SELECT status FROM membership WHERE deployment_id = $1 AND address = '127.0.0.1' ORDER BY start_time");
        command.Parameters.AddWithValue(ClusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new List<int>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetInt32(0));
        }
        return statuses;
    }

    private Task<RunningSilo> StartSiloAsync() =>
        RunningSilo.StartAsync(_state.ConnectionString, options => options.Cluster = new ClusterSettings
        {
            Membership = MembershipKind.Database,
            ClusterId = ClusterId,
            SiloPort = LoopbackPorts.Unused(),
            GatewayPort = LoopbackPorts.Unused(),
            // ADO.NET clustering would advertise the NIC address; keep the cluster on loopback.
            AdvertisedAddress = "127.0.0.1",
        });
}
