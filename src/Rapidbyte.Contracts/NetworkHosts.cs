using System.Net;

namespace Rapidbyte.Contracts;

/// <summary>What a host name says about where it is, for defaults that differ on this machine.</summary>
public static class NetworkHosts
{
    /// <summary>
    /// Whether <paramref name="host"/> is this machine as written: <c>localhost</c>, an address in
    /// 127.0.0.0/8, or <c>::1</c>. A name is not resolved, so a name that resolves to loopback is
    /// not loopback here (the stricter defaults apply to it).
    /// </summary>
    public static bool IsLoopback(string host)
    {
        var text = host.Trim().TrimStart('[').TrimEnd(']');
        return string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(text, out var address) && IPAddress.IsLoopback(address));
    }
}
