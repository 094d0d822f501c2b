using System.Net;
using Microsoft.Extensions.Configuration;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// The operator's lists of the silo's egress policy (settings <c>Rapidbyte:Egress:*</c>, lists
/// as <c>Rapidbyte__Egress__DeniedCidrs__0</c>, <c>__1</c>, ...). They add to the policy's
/// fixed rules (see <see cref="SiloEgressPolicy"/>); a pipeline cannot widen them.
/// </summary>
public sealed class EgressOptions
{
    /// <summary>The section under <c>Rapidbyte</c>.</summary>
    public const string Section = "Egress";

    /// <summary>
    /// Networks connectors may reach (<c>10.20.0.0/16</c>, <c>fd00::/8</c>). Given this or
    /// <see cref="AllowedHosts"/>, nothing else is reachable; loopback only when listed here
    /// (or in development mode).
    /// </summary>
    public string[] AllowedCidrs { get; set; } = [];

    /// <summary>Host names connectors may reach (exact, or <c>*.example.com</c> for every name under it), whatever they resolve to, unless denied.</summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Networks connectors may never reach; wins over every allow.</summary>
    public string[] DeniedCidrs { get; set; } = [];

    /// <summary>Host names connectors may never connect by (exact, or <c>*.example.com</c>); wins over every allow.</summary>
    public string[] DeniedHosts { get; set; } = [];

    internal const string Prefix = $"{RapidbyteOptions.Section}:{Section}:";

    /// <summary>Every problem of the section's settings, each naming its setting (<c>Rapidbyte:Egress:DeniedCidrs:0</c>).</summary>
    public static IEnumerable<string> Problems(IConfigurationSection section)
    {
        var options = section.Get<EgressOptions>() ?? new EgressOptions();
        var problems = new List<string>();
        Networks(nameof(AllowedCidrs), options.AllowedCidrs, problems);
        Networks(nameof(DeniedCidrs), options.DeniedCidrs, problems);
        Hosts(nameof(AllowedHosts), options.AllowedHosts, problems);
        Hosts(nameof(DeniedHosts), options.DeniedHosts, problems);
        return problems;
    }

    /// <summary>The networks of setting <paramref name="key"/>; a malformed entry is a problem naming it (or, without <paramref name="problems"/>, an exception).</summary>
    internal static IReadOnlyList<IPNetwork> Networks(string key, string[] entries, List<string>? problems = null)
    {
        var networks = new List<IPNetwork>();
        for (var i = 0; i < entries.Length; i++)
        {
            var text = entries[i]?.Trim() ?? "";
            // IPNetwork clears address bits past the prefix itself; 10.0.0.1/8 is more likely a
            // mistake for /32 than a way to write 10.0.0.0/8, so it is refused.
            if (IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.Split('/')[0], out var written) && network.BaseAddress.Equals(written))
            {
                networks.Add(network);
            }
            else
            {
                Report(problems, $"{Prefix}{key}:{i} '{entries[i]}' is not a network in CIDR form: an address and a prefix length with no address bits set past it (10.20.0.0/16, fd00::/8, 192.0.2.7/32)");
            }
        }
        return networks;
    }

    /// <summary>The host names of setting <paramref name="key"/>; a malformed entry is a problem naming it (or, without <paramref name="problems"/>, an exception).</summary>
    internal static IReadOnlyList<string> Hosts(string key, string[] entries, List<string>? problems = null)
    {
        var hosts = new List<string>();
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i]?.Trim() ?? "";
            var name = entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry;
            if (Uri.CheckHostName(name) == UriHostNameType.Dns)
            {
                hosts.Add(entry.TrimEnd('.'));
            }
            else
            {
                Report(problems, $"{Prefix}{key}:{i} '{entries[i]}' is not a host name (db.example.com, or *.example.com for every name under example.com; addresses go in the Cidrs settings)");
            }
        }
        return hosts;
    }

    private static void Report(List<string>? problems, string problem)
    {
        if (problems is null)
        {
            throw new InvalidOperationException(problem);
        }
        problems.Add(problem);
    }
}
