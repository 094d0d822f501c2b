using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>
/// Sends each client <c>parts</c> one after the other with a pause between them, as fast as the
/// client takes each, then keeps the connection open until the client closes it: a COPY's rows,
/// then the few bytes that end it while the server waits for the next request. Byte i of the
/// whole is i % 251.
/// </summary>
public sealed class StreamingServer(int[] parts, TimeSpan pause) : LoopbackServer
{
    /// <summary>Bytes each client gets in all.</summary>
    public int Total { get; } = parts.Sum();

    protected override async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        var stream = client.GetStream();
        var bytes = new byte[Total];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }
        var sent = 0;
        foreach (var part in parts)
        {
            if (sent > 0)
            {
                await Task.Delay(pause, stopping);
            }
            await stream.WriteAsync(bytes.AsMemory(sent, part), stopping);
            sent += part;
        }
        // Open until the client is done.
        var drain = new byte[64];
        while (await stream.ReadAsync(drain, stopping) > 0)
        {
        }
    }
}
