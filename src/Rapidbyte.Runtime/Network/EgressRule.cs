using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Rapidbyte.Runtime.Network;

/// <summary>
/// One rule of an <see cref="EgressPolicy"/>: the destinations it covers, whether it lets a
/// connector reach them, and why (the reason and the setting behind it, for the message a
/// refused connector reports). A rule covers a destination when its port is one of
/// <see cref="Ports"/> (or the rule names none) and its address or name is one of those listed.
/// </summary>
/// <param name="Allows">Whether the destinations it covers are reachable.</param>
/// <param name="Reason">Why, in words (<c>link-local addresses are never reachable</c>).</param>
/// <param name="Setting">The setting that makes it so (<c>Rapidbyte:Egress:DeniedCidrs</c>).</param>
public sealed record EgressRule(bool Allows, string Reason, string Setting)
{
    private static readonly Lazy<IReadOnlyList<IPAddress>> MachineAddresses = new(ReadMachineAddresses);

    /// <summary>The networks it covers. An IPv4 address and its IPv4-mapped IPv6 form are one address here.</summary>
    public IReadOnlyList<IPNetwork> Networks { get; init; } = [];

    /// <summary>Host names as a connector names them: exact, case-insensitive; <c>*.example.com</c> covers every name under <c>example.com</c>.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Whether this machine's own addresses are covered too: loopback, unspecified, and every address of its network interfaces (read once).</summary>
    public bool ThisMachine { get; init; }

    /// <summary>A host name or address whose addresses, resolved at each check on a covered port, are covered (a database the silo itself uses).</summary>
    public string? ResolvedHost { get; init; }

    /// <summary>The ports it covers, read at each check (a web server's are known once it listens); null covers every port.</summary>
    public Func<IEnumerable<int>>? Ports { get; init; }

    /// <summary>Whether the rule covers a connection to <paramref name="address"/>:<paramref name="port"/> that a connector asked for as <paramref name="host"/>.</summary>
    public async ValueTask<bool> CoversAsync(string host, IPAddress address, int port, CancellationToken cancellationToken)
    {
        if (Ports is not null && !Ports().Contains(port))
        {
            return false;
        }
        if (InNetworks(address, Networks) || Hosts.Any(h => NameMatches(h, host)))
        {
            return true;
        }
        if (ThisMachine && (InNetworks(address, EgressNetworks.Loopback) || MachineAddresses.Value.Any(a => SameAddress(a, address))))
        {
            return true;
        }
        if (ResolvedHost is null)
        {
            return false;
        }
        if (NameMatches(ResolvedHost, host))
        {
            return true;
        }
        IPAddress[] resolved;
        try
        {
            resolved = await Dns.GetHostAddressesAsync(ResolvedHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            // Not knowing its addresses, the policy cannot tell this destination apart from it:
            // the connect fails (a network error, retried) rather than going through unchecked.
            throw new IOException($"the silo's egress policy could not resolve {ResolvedHost} ({Setting}) to tell it apart from this destination: {e.Message}", e);
        }
        return resolved.Any(a => SameAddress(a, address));
    }

    /// <summary>
    /// Whether <paramref name="address"/> is in one of <paramref name="networks"/>. An IPv4-mapped
    /// IPv6 address is its IPv4 address, and a network inside <c>::ffff:0:0/96</c> its IPv4
    /// network; other IPv6 networks never cover an IPv4 address. (IPNetwork.Contains alone
    /// compares a mapped address's low bits with an IPv6 network: <c>::1/128</c> would hold
    /// <c>::ffff:0.0.0.1</c>.)
    /// </summary>
    private static bool InNetworks(IPAddress address, IEnumerable<IPNetwork> networks)
    {
        var plain = Plain(address);
        return networks.Any(n => Plain(n) is var network && network.BaseAddress.AddressFamily == plain.AddressFamily && network.Contains(plain));
    }

    private static bool SameAddress(IPAddress a, IPAddress b) => Plain(a).Equals(Plain(b));

    // The one form an address is compared in: IPv4 when it is one (mapped or not), IPv6 without a scope.
    private static IPAddress Plain(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;

    private static IPNetwork Plain(IPNetwork network) =>
        network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96 ? new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96) : network;

    private static bool NameMatches(string pattern, string host)
    {
        var name = host.Trim().TrimEnd('.');
        return pattern.StartsWith("*.", StringComparison.Ordinal)
            ? name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);
    }

    private static IReadOnlyList<IPAddress> ReadMachineAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address).ToList();
}
