using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>Ports on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    // The kernel may hand a port just released to the next probe: a silo then got the same port
    // for silo-to-silo and gateway traffic. A port is handed out once per test process.
    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>
    /// A port nothing listens on right now and this process has not handed out before: for a
    /// server about to start, or for a connect that must be refused.
    /// </summary>
    public static int Unused()
    {
        while (true)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }
}
