using System.Net;

namespace Rapidbyte.Runtime.Network;

/// <summary>Networks an egress policy names by their meaning.</summary>
public static class EgressNetworks
{
    /// <summary>
    /// Link-local: 169.254.0.0/16 (the cloud metadata endpoint 169.254.169.254 among them) and
    /// fe80::/10. Never a data source; reaching one from a silo reads the machine's credentials.
    /// </summary>
    public static IReadOnlyList<IPNetwork> LinkLocal { get; } = [IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("fe80::/10")];

    /// <summary>
    /// This machine: 127.0.0.0/8 and ::1, and the unspecified addresses (0.0.0.0/8, ::), which
    /// a connect on Linux takes as this machine too.
    /// </summary>
    public static IReadOnlyList<IPNetwork> Loopback { get; } =
        [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("::/128")];
}
