using System.Net;
using Rapidbyte.Runtime.Network;

namespace Rapidbyte.Runtime.Tests;

/// <summary>How an egress policy matches addresses, names and ports, and what it connects to.</summary>
public sealed class EgressPolicyTests
{
    private static readonly EgressRule LinkLocal = new(false, "link-local addresses are never reachable", "Rapidbyte:Egress") { Networks = EgressNetworks.LinkLocal };

    [Theory]
    [InlineData("169.254.169.254", true)]
    [InlineData("169.254.0.0", true)]
    [InlineData("169.254.255.255", true)]
    [InlineData("169.253.255.255", false)]
    [InlineData("169.255.0.0", false)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fe80::1%2", true)]
    [InlineData("febf:ffff::1", true)]
    [InlineData("fec0::1", false)]
    [InlineData("fe7f:ffff::1", false)]
    public async Task Link_local_covers_both_families_and_ipv4_mapped_addresses(string address, bool covered) =>
        Assert.Equal(covered, await LinkLocal.CoversAsync(address, IPAddress.Parse(address), 80, default));

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "9.255.255.255", false)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.1.2.3", false)]
    [InlineData("192.0.2.7/32", "192.0.2.7", true)]
    [InlineData("192.0.2.7/32", "192.0.2.8", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("::1/128", "::ffff:0.0.0.1", false)]
    [InlineData("::/0", "10.0.0.1", false)]
    [InlineData("::/0", "::ffff:10.0.0.1", false)]
    [InlineData("fd00::/8", "fd00::", true)]
    [InlineData("fd00::/8", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("fd00::/8", "fc00::1", false)]
    [InlineData("fd00::/8", "fe00::1", false)]
    [InlineData("2001:db8::/127", "2001:db8::1", true)]
    [InlineData("2001:db8::/127", "2001:db8::2", false)]
    public async Task A_network_covers_exactly_its_addresses(string network, string address, bool covered)
    {
        var rule = new EgressRule(false, "denied", "Rapidbyte:Egress:DeniedCidrs") { Networks = [IPNetwork.Parse(network)] };

        Assert.Equal(covered, await rule.CoversAsync(address, IPAddress.Parse(address), 5432, default));
    }

    [Theory]
    [InlineData("db.example.com", "DB.Example.com.", true)]
    [InlineData("db.example.com", "db.example.org", false)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "badexample.com", false)]
    public async Task A_host_name_covers_the_name_a_connector_asked_for(string pattern, string host, bool covered)
    {
        var rule = new EgressRule(true, "allowed", "Rapidbyte:Egress:AllowedHosts") { Hosts = [pattern] };

        Assert.Equal(covered, await rule.CoversAsync(host, IPAddress.Parse("192.0.2.1"), 5432, default));
    }

    [Theory]
    [InlineData("127.0.0.1", 30000, true)]
    [InlineData("127.1.2.3", 30000, true)]
    [InlineData("0.0.0.0", 30000, true)]
    [InlineData("::1", 30000, true)]
    [InlineData("::", 30000, true)]
    [InlineData("::ffff:127.0.0.1", 30000, true)]
    [InlineData("127.0.0.1", 30001, false)]
    [InlineData("192.0.2.1", 30000, false)]
    public async Task This_machine_on_a_port_covers_loopback_and_unspecified_addresses_on_that_port_only(string address, int port, bool covered)
    {
        var rule = new EgressRule(false, "it is this silo's own gateway port", "Rapidbyte:Cluster:GatewayPort") { ThisMachine = true, Ports = () => [30000] };

        Assert.Equal(covered, await rule.CoversAsync(address, IPAddress.Parse(address), port, default));
    }

    [Fact]
    public async Task A_resolved_host_covers_its_addresses_and_its_name_on_its_port()
    {
        var rule = new EgressRule(false, "it is the silo's state database", "Rapidbyte:State:ConnectionString") { ResolvedHost = "localhost", Ports = () => [5432] };

        Assert.True(await rule.CoversAsync("127.0.0.1", IPAddress.Loopback, 5432, default));
        Assert.True(await rule.CoversAsync("LOCALHOST", IPAddress.Parse("192.0.2.1"), 5432, default));
        Assert.False(await rule.CoversAsync("127.0.0.1", IPAddress.Loopback, 5433, default));
        Assert.False(await rule.CoversAsync("192.0.2.1", IPAddress.Parse("192.0.2.1"), 5432, default));
    }

    [Fact]
    public async Task The_first_rule_covering_a_destination_decides_else_otherwise()
    {
        var deny = new EgressRule(false, "10.1.0.0/16 is denied", "Rapidbyte:Egress:DeniedCidrs") { Networks = [IPNetwork.Parse("10.1.0.0/16")] };
        var allow = new EgressRule(true, "an allowed network", "Rapidbyte:Egress:AllowedCidrs") { Networks = [IPNetwork.Parse("10.0.0.0/8")] };
        var otherwise = new EgressRule(false, "it is in no allowed network", "Rapidbyte:Egress:AllowedCidrs");
        var policy = new EgressPolicy([deny, allow], otherwise);

        Assert.Same(deny, await policy.DecideAsync("10.1.2.3", IPAddress.Parse("10.1.2.3"), 5432, default));
        Assert.Same(allow, await policy.DecideAsync("10.2.2.3", IPAddress.Parse("10.2.2.3"), 5432, default));
        Assert.Same(otherwise, await policy.DecideAsync("192.0.2.1", IPAddress.Parse("192.0.2.1"), 5432, default));
    }

    [Fact]
    public async Task A_name_resolving_to_a_refused_address_is_refused_naming_the_address_and_the_setting()
    {
        var policy = new EgressPolicy(
            [new EgressRule(false, "127.0.0.0/8 is denied", "Rapidbyte:Egress:DeniedCidrs") { Networks = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")] }],
            new EgressRule(true, "no allow list is set", "Rapidbyte:Egress:AllowedCidrs"));

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => policy.ResolveAsync("localhost", 5432, default));

        Assert.Matches(@"^connecting to localhost:5432 \((127\.0\.0\.1|::1)\) is refused by the silo's egress policy: 127\.0\.0\.0/8 is denied \(Rapidbyte:Egress:DeniedCidrs\)$", refused.Message);
        Assert.Contains(IPAddress.Loopback, await EgressPolicy.Unrestricted.ResolveAsync("localhost", 5432, default));
    }

    [Fact]
    public async Task A_literal_address_is_named_once_and_in_brackets_for_ipv6()
    {
        var policy = new EgressPolicy([LinkLocal], EgressPolicy.Unrestricted.Otherwise);

        var v4 = await Assert.ThrowsAsync<EgressRefusedException>(() => policy.ResolveAsync("169.254.169.254", 80, default));
        var v6 = await Assert.ThrowsAsync<EgressRefusedException>(() => policy.ResolveAsync("fe80::1", 80, default));

        Assert.Equal("connecting to 169.254.169.254:80 is refused by the silo's egress policy: link-local addresses are never reachable (Rapidbyte:Egress)", v4.Message);
        Assert.Equal("connecting to [fe80::1]:80 is refused by the silo's egress policy: link-local addresses are never reachable (Rapidbyte:Egress)", v6.Message);
    }
}
