using System.Net;
using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>
/// A real TCP server on 127.0.0.1 with a port of its own, running a scripted conversation
/// per connection. Tests point connectors at it to see what they do on a real socket.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    protected LoopbackServer()
    {
        _listener.Start(backlog: 4096);
        _acceptLoop = AcceptAsync();
    }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Stopped when the server is disposed; handlers should end with it.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>The conversation with one client.</summary>
    protected abstract Task ServeAsync(TcpClient client, CancellationToken stopping);

    /// <summary>Closes every accepted connection (clients see end of stream).</summary>
    public void CloseConnections()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
            _clients.Clear();
        }
    }

    /// <summary>Waits until <paramref name="count"/> connections were accepted.</summary>
    public async Task WaitForConnectionsAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (Accepted < count)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_clients)
            {
                _clients.Add(client);
            }
            Interlocked.Increment(ref _accepted);
            _ = ServeSafelyAsync(client);
        }
    }

    private async Task ServeSafelyAsync(TcpClient client)
    {
        try
        {
            await ServeAsync(client, _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client or the test went away: nothing to serve.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CloseConnections();
        await _acceptLoop;
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
