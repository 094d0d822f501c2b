using Rapidbyte.Pipelines.Spec;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rapidbyte.Pipelines.Parsing;

namespace Rapidbyte.Grains.Tests;

/// <summary>The state database over TLS: a silo keeps grain state on a server that takes TLS only, and the TLS settings reach every state connection.</summary>
public sealed class StateTlsTests
{
    [Fact]
    public async Task A_silo_keeps_state_on_a_server_that_takes_tls_only()
    {
        await using var state = await StateDatabase.StartAsync(tls: true);

        await using (var silo = await RunningSilo.StartAsync(state.ConnectionString))
        {
            var counter = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("tls");
            await counter.IncrementAsync();
            Assert.Equal(2, await counter.IncrementAsync());
        }

        await using var restarted = await RunningSilo.StartAsync(state.ConnectionString);
        Assert.Equal(2, await restarted.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("tls").GetAsync());
    }

    [Fact]
    public async Task The_destinations_tls_keys_secure_the_state_connection_made_from_them()
    {
        await using var state = await StateDatabase.StartAsync(tls: true);
        var spec = PipelineSpecParser.Parse($"""
            version: "1"
            pipeline: tls-state
            source:
              use: source-postgres
              config: {"{"}host: localhost, user: postgres, database: postgres{"}"}
              streams: [{"{"}name: t{"}"}]
            destination:
              use: dest-postgres
              config:
                host: localhost
                port: {state.Server.Port}
                user: postgres
                password: {state.Server.Password}
                database: postgres
                sslmode: verify-full
                sslrootcert: {state.Server.Certificates!.RootFile}
              write_mode: append
            """, "tls-state.yaml", _ => null);

        var connectionString = StateConnection.ConnectionString(spec);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.Equal(SslMode.VerifyFull, builder.SslMode);
        Assert.Equal(state.Server.Certificates.RootFile, builder.RootCertificate);
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("Host=db.example.com;Database=state", SslMode.VerifyFull)]
    [InlineData("Host=127.0.0.1,db.example.com:6432;Database=state", SslMode.VerifyFull)]
    [InlineData("Host=db.example.com;Database=state;SSL Mode=Require", SslMode.Require)]
    [InlineData("Host=db.example.com;Database=state;SslMode=Disable", SslMode.Disable)]
    [InlineData("Host=localhost;Database=state", SslMode.Prefer)]
    [InlineData("Host=127.0.0.1:5433,[::1]:5434;Database=state", SslMode.Prefer)]
    public void A_non_loopback_host_is_verify_full_unless_the_connection_string_says_otherwise(string connectionString, SslMode expected)
    {
        var withDefault = new NpgsqlConnectionStringBuilder(StateConnection.WithTlsDefault(connectionString));

        Assert.Equal(expected, withDefault.SslMode);
    }
}
