using System.Net;
using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>Ports on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// A port nothing listens on right now: for a server about to start, or for a connect that
    /// must be refused.
    /// </summary>
    public static int Unused()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
