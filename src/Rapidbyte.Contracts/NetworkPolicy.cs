using System.Globalization;

namespace Rapidbyte.Contracts;

/// <summary>
/// Where a connector may connect: an explicit list of <c>host:port</c> (or <c>host</c> for any
/// port). Checked at connect time by the host, so a connector cannot reach anything the
/// pipeline did not name, whatever its code does. Hosts compare case-insensitively as
/// written: allowing <c>db.internal</c> does not allow the address it resolves to.
/// </summary>
public sealed class NetworkPolicy
{
    private readonly HashSet<(string Host, int Port)> _entries;

    private NetworkPolicy(IEnumerable<(string Host, int Port)> entries) =>
        _entries = new HashSet<(string, int)>(entries.Select(e => (Normalize(e.Host), e.Port)));

    /// <summary>No connections at all.</summary>
    public static NetworkPolicy DenyAll { get; } = new([]);

    /// <summary>The allowed destinations, for messages.</summary>
    public IEnumerable<string> Entries => _entries.Select(e => e.Port == AnyPort ? e.Host : $"{e.Host}:{e.Port}");

    private const int AnyPort = -1;

    /// <summary>A policy allowing exactly <paramref name="entries"/> (<c>host:port</c>, <c>host</c>, <c>[v6]:port</c>).</summary>
    /// <exception cref="FormatException">An entry is not a host with an optional port.</exception>
    public static NetworkPolicy Allow(params IEnumerable<string> entries) => new(entries.Select(Parse));

    /// <summary>Whether a connection to <paramref name="host"/>:<paramref name="port"/> is allowed.</summary>
    public bool IsAllowed(string host, int port)
    {
        var normalized = Normalize(host);
        return _entries.Contains((normalized, port)) || _entries.Contains((normalized, AnyPort));
    }

    private static (string Host, int Port) Parse(string entry)
    {
        var text = entry.Trim();
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                throw new FormatException($"network allow-list entry '{entry}': missing ']'");
            }
            var host = text[1..close];
            var rest = text[(close + 1)..];
            return rest.Length == 0 ? (host, AnyPort) : (host, ParsePort(entry, rest.TrimStart(':')));
        }
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return (RequireHost(entry, text), AnyPort);
        }
        return (RequireHost(entry, text[..colon]), ParsePort(entry, text[(colon + 1)..]));
    }

    private static string RequireHost(string entry, string host) =>
        host.Length > 0 && !host.Any(char.IsWhiteSpace) ? host : throw new FormatException($"network allow-list entry '{entry}': no host");

    private static int ParsePort(string entry, string port) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 65535
            ? value
            : throw new FormatException($"network allow-list entry '{entry}': '{port}' is not a port (1-65535)");

    private static string Normalize(string host) => host.Trim().TrimStart('[').TrimEnd(']').ToLowerInvariant();
}
