using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Storage;
using Rapidbyte.Hosting.State;
using Rapidbyte.Testing.Postgres;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Hosting.Tests;

/// <summary>Grain state in a real PostgreSQL through our own schema, with a real silo.</summary>
public sealed class StateStorageTests : IAsyncLifetime
{
    private PostgresServer _postgres = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _dataSource = StateSchema.CreateDataSource(_postgres.ConnectionString());
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Creating_the_schema_twice_is_harmless()
    {
        await StateSchema.EnsureAsync(_dataSource);
        await StateSchema.EnsureAsync(_dataSource);

        await using var command = _dataSource.CreateCommand("SELECT count(*) FROM orleansquery");
        // 4 grain storage + 7 reminder + 10 clustering queries, each once.
        Assert.Equal(21L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task State_survives_a_silo_restart()
    {
        await StateSchema.EnsureAsync(_dataSource);
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
        await StateSchema.EnsureAsync(_dataSource);
        await using var silo = await StartSiloAsync();
        var counter = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("contested");
        await counter.IncrementAsync();

        // Another writer (a second silo, a stale activation) moved the version on.
        await using (var bump = _dataSource.CreateCommand("UPDATE grain_state SET version = version + 1"))
        {
            await bump.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => counter.IncrementAsync());
        await using var read = _dataSource.CreateCommand("SELECT version FROM grain_state");
        Assert.Equal(2, await read.ExecuteScalarAsync());
    }

    private async Task<RunningSilo> StartSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var (siloPort, gatewayPort) = (LoopbackPorts.Unused(), LoopbackPorts.Unused());
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, gatewayPort, serviceId: "rapidbyte-tests", clusterId: "tests")
            .Configure<Orleans.Configuration.EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Loopback)
            .AddRapidbyteStateStorage(_dataSource));
        var host = builder.Build();
        await host.StartAsync();
        return new RunningSilo(host);
    }
}
