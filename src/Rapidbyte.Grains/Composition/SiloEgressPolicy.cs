using System.Net;
using System.Net.Sockets;
using Npgsql;
using Orleans.Configuration;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Network;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// A silo's egress policy from its settings. The first rule covering a destination decides:
/// <list type="number">
/// <item>link-local addresses: refused;</item>
/// <item>the silo's own ports (silo, gateway, HTTP) on loopback and this machine's addresses: refused;</item>
/// <item><c>DeniedCidrs</c>, <c>DeniedHosts</c>: refused;</item>
/// <item>in development mode, loopback: reachable;</item>
/// <item>the state database (its host and port, resolved): refused;</item>
/// <item><c>AllowedCidrs</c>, <c>AllowedHosts</c>: reachable;</item>
/// <item>loopback: refused;</item>
/// <item>anything else: reachable, unless an allow list is given.</item>
/// </list>
/// So a deny always wins over an allow, and nothing a pipeline says changes any of it.
/// </summary>
public static class SiloEgressPolicy
{
    /// <summary>The policy of a silo with these settings, its endpoints as Orleans resolved them, in <paramref name="host"/>.</summary>
    /// <exception cref="InvalidOperationException">A list entry is malformed (the settings' checks at start say so first).</exception>
    public static EgressPolicy Build(EgressOptions egress, StateOptions state, EndpointOptions endpoints, EgressHost host)
    {
        const string Prefix = EgressOptions.Prefix;
        var rules = new List<EgressRule>
        {
            new(false, "link-local addresses are never reachable", $"{RapidbyteOptions.Section}:{EgressOptions.Section}") { Networks = EgressNetworks.LinkLocal },
        };
        IReadOnlyList<IPNetwork> advertised = endpoints.AdvertisedIPAddress is { } address ? [new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)] : [];
        rules.Add(OwnPorts("silo-to-silo port", $"{RapidbyteOptions.Section}:Cluster:SiloPort", () => [endpoints.SiloPort], advertised));
        rules.Add(OwnPorts("gateway port", $"{RapidbyteOptions.Section}:Cluster:GatewayPort", () => [endpoints.GatewayPort], advertised));
        rules.Add(OwnPorts("HTTP port", host.ListeningPortsSetting, host.ListeningPorts, advertised));
        rules.AddRange(EgressOptions.Networks(nameof(EgressOptions.DeniedCidrs), egress.DeniedCidrs)
            .Select(n => new EgressRule(false, $"{n} is denied", Prefix + nameof(EgressOptions.DeniedCidrs)) { Networks = [n] }));
        rules.AddRange(EgressOptions.Hosts(nameof(EgressOptions.DeniedHosts), egress.DeniedHosts)
            .Select(h => new EgressRule(false, $"the host {h} is denied", Prefix + nameof(EgressOptions.DeniedHosts)) { Hosts = [h] }));
        if (host.Development)
        {
            rules.Add(new(true, "loopback is reachable in development mode", host.DevelopmentSetting) { Networks = EgressNetworks.Loopback });
        }
        rules.AddRange(StateDatabase(state).Select(e =>
            new EgressRule(false, "it is the silo's state database", $"{RapidbyteOptions.Section}:State:ConnectionString") { ResolvedHost = e.Host, Ports = () => [e.Port] }));
        var allowedNetworks = EgressOptions.Networks(nameof(EgressOptions.AllowedCidrs), egress.AllowedCidrs);
        var allowedHosts = EgressOptions.Hosts(nameof(EgressOptions.AllowedHosts), egress.AllowedHosts);
        rules.Add(new(true, "an allowed network", Prefix + nameof(EgressOptions.AllowedCidrs)) { Networks = allowedNetworks });
        rules.Add(new(true, "an allowed host", Prefix + nameof(EgressOptions.AllowedHosts)) { Hosts = allowedHosts });
        rules.Add(new(false, "loopback addresses are reachable only in development mode or when allowed", Prefix + nameof(EgressOptions.AllowedCidrs)) { Networks = EgressNetworks.Loopback });
        var otherwise = allowedNetworks.Count + allowedHosts.Count == 0
            ? new EgressRule(true, "no allow list is set", Prefix + nameof(EgressOptions.AllowedCidrs))
            : new EgressRule(false, "it is in no allowed network or host", $"{Prefix}{nameof(EgressOptions.AllowedCidrs)}, {Prefix}{nameof(EgressOptions.AllowedHosts)}");
        return new EgressPolicy(rules, otherwise);
    }

    private static EgressRule OwnPorts(string what, string setting, Func<IEnumerable<int>> ports, IReadOnlyList<IPNetwork> advertised) =>
        new(false, $"it is this silo's own {what}", setting) { Ports = ports, ThisMachine = true, Networks = advertised };

    // The state database's TCP endpoints (Npgsql's Host may list several, each with its own port;
    // a path is a Unix socket, out of a connector's reach anyway).
    private static IEnumerable<(string Host, int Port)> StateDatabase(StateOptions state)
    {
        if (state.Backend != StateBackend.Postgres)
        {
            yield break;
        }
        var builder = new NpgsqlConnectionStringBuilder(state.ConnectionString);
        foreach (var entry in (builder.Host ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.StartsWith('/'))
            {
                continue;
            }
            var close = entry.LastIndexOf(']');
            var colon = entry.LastIndexOf(':');
            var hasPort = colon > close && (close >= 0 || entry.IndexOf(':') == colon);
            yield return hasPort && int.TryParse(entry[(colon + 1)..], out var port)
                ? (entry[..colon].Trim('[', ']'), port)
                : (entry.Trim('[', ']'), builder.Port);
        }
    }
}
