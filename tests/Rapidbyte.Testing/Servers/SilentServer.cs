using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>
/// Accepts connections and never says anything until <see cref="LoopbackServer.CloseConnections"/>:
/// a database that is thinking, as far as a waiting client can tell.
/// </summary>
public sealed class SilentServer : LoopbackServer
{
    protected override async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        // Drain whatever the client sends, and never answer.
        var buffer = new byte[1024];
        var stream = client.GetStream();
        while (await stream.ReadAsync(buffer, stopping) > 0)
        {
        }
    }
}
