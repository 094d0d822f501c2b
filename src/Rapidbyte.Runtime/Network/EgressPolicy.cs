using System.Net;
using System.Net.Sockets;

namespace Rapidbyte.Runtime.Network;

/// <summary>
/// Where the silo's operator lets connectors connect, whatever a pipeline names: ordered
/// rules, the first that covers a destination decides, else <see cref="Otherwise"/>. It is
/// checked on addresses, not names: the host resolves the connector's host name once, checks
/// every address it resolves to (one refused address refuses the name), and connects only to
/// those (no second resolution, so a name cannot be re-pointed in between). The pipeline's
/// own network allow-list is checked before, by name; both must allow.
/// </summary>
public sealed class EgressPolicy
{
    private readonly IReadOnlyList<EgressRule> _rules;

    /// <param name="rules">In order of precedence: the first covering a destination decides.</param>
    /// <param name="otherwise">What decides a destination no rule covers.</param>
    public EgressPolicy(IEnumerable<EgressRule> rules, EgressRule otherwise)
    {
        _rules = rules.ToList();
        Otherwise = otherwise;
    }

    /// <summary>No operator policy: a connector reaches what its pipeline's allow-list allows (the CLI's silo).</summary>
    public static EgressPolicy Unrestricted { get; } = new([], new EgressRule(true, "no egress policy", "none"));

    /// <summary>What decides a destination no rule covers.</summary>
    public EgressRule Otherwise { get; }

    /// <summary>The rule that decides a connection to <paramref name="address"/>:<paramref name="port"/> asked for as <paramref name="host"/>.</summary>
    public async ValueTask<EgressRule> DecideAsync(string host, IPAddress address, int port, CancellationToken cancellationToken)
    {
        foreach (var rule in _rules)
        {
            if (await rule.CoversAsync(host, address, port, cancellationToken).ConfigureAwait(false))
            {
                return rule;
            }
        }
        return Otherwise;
    }

    /// <summary>Resolves <paramref name="host"/> and returns its addresses once every one of them is allowed: the only ones to connect to.</summary>
    /// <exception cref="EgressRefusedException">An address is refused; the message names the rule's reason and setting.</exception>
    /// <exception cref="SocketException">The name does not resolve.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        foreach (var address in addresses)
        {
            var rule = await DecideAsync(host, address, port, cancellationToken).ConfigureAwait(false);
            if (!rule.Allows)
            {
                var target = IPAddress.TryParse(host, out _) ? "" : $" ({address})";
                throw new EgressRefusedException(
                    $"connecting to {Endpoint(host, port)}{target} is refused by the silo's egress policy: {rule.Reason} ({rule.Setting})");
            }
        }
        return addresses;
    }

    private static string Endpoint(string host, int port) => host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
}
