using System.Net.Sockets;
using System.Text;

namespace Rapidbyte.Testing.Servers;

/// <summary>Answers every line <c>ping N</c> with <c>pong N</c>: a request/response peer.</summary>
public sealed class PingPongServer : LoopbackServer
{
    protected override async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\n" };
        while (await reader.ReadLineAsync(stopping) is { } line)
        {
            if (!line.StartsWith("ping ", StringComparison.Ordinal))
            {
                throw new IOException($"unexpected request '{line}'");
            }
            await writer.WriteLineAsync("pong " + line[5..]);
            // Flush only when the client sent nothing more yet: replies to a burst go out together.
            if (stream.DataAvailable is false)
            {
                await writer.FlushAsync(stopping);
            }
        }
        await writer.FlushAsync(stopping);
    }
}
