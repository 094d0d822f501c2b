using System.Net;
using Orleans.Configuration;
using Rapidbyte.Grains.Composition;

namespace Rapidbyte.Grains.Tests;

/// <summary>The precedence of a silo's egress rules, decided on addresses alone (no connection is made).</summary>
public sealed class SiloEgressPolicyTests
{
    private static readonly StateOptions State = new() { ConnectionString = "Host=127.0.0.1;Port=5432;Database=state" };
    private static readonly EndpointOptions Endpoints = new() { SiloPort = 11111, GatewayPort = 30000, AdvertisedIPAddress = IPAddress.Parse("192.0.2.10") };

    [Theory]
    [InlineData("127.0.0.1", 5433, "an allowed network (Rapidbyte:Egress:AllowedCidrs)")]
    [InlineData("10.2.0.1", 5432, "an allowed network (Rapidbyte:Egress:AllowedCidrs)")]
    [InlineData("a.corp.example", 5432, "an allowed host (Rapidbyte:Egress:AllowedHosts)")]
    [InlineData("127.0.0.1", 5432, "refused: it is the silo's state database (Rapidbyte:State:ConnectionString)")]
    [InlineData("127.0.0.1", 30000, "refused: it is this silo's own gateway port (Rapidbyte:Cluster:GatewayPort)")]
    [InlineData("192.0.2.10", 11111, "refused: it is this silo's own silo-to-silo port (Rapidbyte:Cluster:SiloPort)")]
    [InlineData("::1", 8080, "refused: it is this silo's own HTTP port (ASPNETCORE_URLS)")]
    [InlineData("10.1.2.3", 5432, "refused: 10.1.0.0/16 is denied (Rapidbyte:Egress:DeniedCidrs)")]
    [InlineData("secret.corp.example", 5432, "refused: the host secret.corp.example is denied (Rapidbyte:Egress:DeniedHosts)")]
    [InlineData("169.254.169.254", 80, "refused: link-local addresses are never reachable (Rapidbyte:Egress)")]
    [InlineData("192.0.2.1", 5432, "refused: it is in no allowed network or host (Rapidbyte:Egress:AllowedCidrs, Rapidbyte:Egress:AllowedHosts)")]
    public async Task With_allow_lists_only_they_are_reached_and_every_deny_wins_over_them(string host, int port, string decision)
    {
        var options = new EgressOptions
        {
            AllowedCidrs = ["127.0.0.0/8", "10.0.0.0/8", "::1/128"],
            DeniedCidrs = ["10.1.0.0/16"],
            AllowedHosts = ["*.corp.example"],
            DeniedHosts = ["secret.corp.example"],
        };

        Assert.Equal(decision, await DecideAsync(options, development: false, host, port));
    }

    [Theory]
    [InlineData(false, "127.0.0.1", 5433, "refused: loopback addresses are reachable only in development mode or when allowed (Rapidbyte:Egress:AllowedCidrs)")]
    [InlineData(false, "::ffff:127.0.0.1", 5433, "refused: loopback addresses are reachable only in development mode or when allowed (Rapidbyte:Egress:AllowedCidrs)")]
    [InlineData(false, "0.0.0.0", 5433, "refused: loopback addresses are reachable only in development mode or when allowed (Rapidbyte:Egress:AllowedCidrs)")]
    [InlineData(false, "192.0.2.1", 5432, "no allow list is set (Rapidbyte:Egress:AllowedCidrs)")]
    [InlineData(true, "127.0.0.1", 5433, "loopback is reachable in development mode (development mode)")]
    [InlineData(true, "127.0.0.1", 5432, "loopback is reachable in development mode (development mode)")]
    [InlineData(true, "127.0.0.1", 30000, "refused: it is this silo's own gateway port (Rapidbyte:Cluster:GatewayPort)")]
    [InlineData(true, "127.0.0.2", 5432, "refused: 127.0.0.2/32 is denied (Rapidbyte:Egress:DeniedCidrs)")]
    [InlineData(true, "169.254.169.254", 80, "refused: link-local addresses are never reachable (Rapidbyte:Egress)")]
    public async Task Without_allow_lists_loopback_is_reached_in_development_mode_only_and_the_silos_own_ports_never(bool development, string host, int port, string decision)
    {
        var options = new EgressOptions { DeniedCidrs = ["127.0.0.2/32"] };

        Assert.Equal(decision, await DecideAsync(options, development, host, port));
    }

    [Fact]
    public async Task A_state_database_off_loopback_stays_refused_in_development_mode()
    {
        var state = new StateOptions { ConnectionString = "Host=192.0.2.5:6432,127.0.0.1;Port=5432;Database=state" };
        var policy = SiloEgressPolicy.Build(new EgressOptions(), state, Endpoints, Host(development: true));

        var remote = await policy.DecideAsync("192.0.2.5", IPAddress.Parse("192.0.2.5"), 6432, default);
        var otherPort = await policy.DecideAsync("192.0.2.5", IPAddress.Parse("192.0.2.5"), 5432, default);

        Assert.Equal("it is the silo's state database", remote.Reason);
        Assert.False(remote.Allows);
        Assert.True(otherPort.Allows);
    }

    private static async Task<string> DecideAsync(EgressOptions options, bool development, string host, int port)
    {
        var policy = SiloEgressPolicy.Build(options, State, Endpoints, Host(development));
        var address = IPAddress.TryParse(host, out var literal) ? literal : IPAddress.Parse("192.0.2.9");
        var rule = await policy.DecideAsync(host, address, port, default);
        return $"{(rule.Allows ? "" : "refused: ")}{rule.Reason} ({rule.Setting})";
    }

    private static EgressHost Host(bool development) => new(development, "development mode", () => [8080], "ASPNETCORE_URLS");
}
