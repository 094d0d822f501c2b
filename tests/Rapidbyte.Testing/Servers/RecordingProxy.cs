using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>
/// Forwards every connection to a server on 127.0.0.1 unchanged, and keeps the first bytes
/// each client sent (<see cref="Openings"/>): how a test sees what a client opened a
/// connection with (say, PostgreSQL's SSLRequest or a plain CancelRequest).
/// </summary>
public sealed class RecordingProxy(int targetPort) : LoopbackServer
{
    private const int OpeningLength = 8;
    private readonly ConcurrentQueue<byte[]> _openings = new();

    /// <summary>The first 8 bytes (fewer if it sent fewer) of every connection, in the order they arrived.</summary>
    public IReadOnlyList<byte[]> Openings => [.. _openings];

    protected override async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        using var server = new TcpClient();
        await server.ConnectAsync(IPAddress.Loopback, targetPort, stopping);
        var clientStream = client.GetStream();
        var serverStream = server.GetStream();
        var opening = new byte[OpeningLength];
        var read = 0;
        while (read < OpeningLength)
        {
            var n = await clientStream.ReadAsync(opening.AsMemory(read), stopping);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        _openings.Enqueue(opening[..read]);
        await serverStream.WriteAsync(opening.AsMemory(0, read), stopping);
        var up = clientStream.CopyToAsync(serverStream, stopping);
        var down = serverStream.CopyToAsync(clientStream, stopping);
        await Task.WhenAny(up, down);
    }
}
