using System.Net;
using System.Net.NetworkInformation;

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
        var resolved = await Dns.GetHostAddressesAsync(ResolvedHost, cancellationToken).ConfigureAwait(false);
        return resolved.Any(a => SameAddress(a, address));
    }

    /// <summary>Whether <paramref name="address"/> is in one of <paramref name="networks"/>, in its IPv4 or IPv4-mapped IPv6 form alike.</summary>
    public static bool InNetworks(IPAddress address, IEnumerable<IPNetwork> networks)
    {
        var (v4, v6) = Forms(address);
        return networks.Any(n => (v4 is not null && n.Contains(v4)) || n.Contains(v6));
    }

    private static bool SameAddress(IPAddress a, IPAddress b) => Forms(a).V6.Equals(Forms(b).V6);

    // An address as IPv4 (when it is one, mapped or not) and as IPv6 without a scope, the form IPNetwork compares.
    private static (IPAddress? V4, IPAddress V6) Forms(IPAddress address)
    {
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return (address, address.MapToIPv6());
        }
        var v6 = address.ScopeId == 0 ? address : new IPAddress(address.GetAddressBytes());
        return (v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : null, v6);
    }

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
