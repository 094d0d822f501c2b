using System.Net.Security;
using System.Net.Sockets;
using Rapidbyte.Runtime.Lowering;

namespace Rapidbyte.Runtime.Network;

/// <summary>
/// The plain bytes of a TLS session, lent to a guest with the same non-blocking contract as a
/// plain socket: a background loop decrypts into a bounded receive buffer that
/// <see cref="Read"/> drains, and <see cref="Write"/> fills a bounded send buffer that a
/// background loop encrypts and sends. A read with nothing buffered and a write with the
/// buffer full answer would-block at once; <see cref="WhenReadable"/> and
/// <see cref="WhenWritable"/> complete when that changes. No thread waits on the network.
/// </summary>
internal sealed class TlsChannel : IDisposable
{
    // Decrypted bytes the guest has not read yet. A full buffer stops the receive loop, so a
    // guest that does not read leaves the data in the server's socket (TCP backpressure).
    private const int ReceiveCapacity = 1 << 20;
    // Bytes the guest wrote that are not handed to TLS yet; one buffer fills while the other
    // is sent, so at most twice this is taken before writes report would-block.
    private const int SendCapacity = 256 << 10;

    private readonly SslStream _ssl;
    private readonly Socket _socket;
    private readonly string _endpoint;
    private readonly Lock _gate = new();

    private readonly byte[] _received = new byte[ReceiveCapacity];
    private int _receivedStart;
    private int _receivedCount;
    private bool _receiveEnded;
    private string? _receiveFailure;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _receiveRoom;

    private byte[] _filling = new byte[SendCapacity];
    private int _fillingCount;
    private byte[] _spare = new byte[SendCapacity];
    private string? _sendFailure;
    private TaskCompletionSource? _writable;
    private TaskCompletionSource? _sendWork;
    private bool _closing;
    private readonly Task _sendLoop;

    /// <summary>Starts the background loops over an established TLS session.</summary>
    public TlsChannel(SslStream ssl, Socket socket, string endpoint)
    {
        _ssl = ssl;
        _socket = socket;
        _endpoint = endpoint;
        _ = ReceiveLoopAsync();
        _sendLoop = SendLoopAsync();
    }

    /// <summary>Bytes read into <paramref name="destination"/>, 0 at the end of the stream, or a result code.</summary>
    public long Read(Span<byte> destination, out string? error)
    {
        error = null;
        TaskCompletionSource? room;
        int read;
        lock (_gate)
        {
            if (_receivedCount == 0)
            {
                if (_receiveFailure is not null)
                {
                    error = _receiveFailure;
                    return Abi.IoError;
                }
                return _receiveEnded ? 0 : Abi.WouldBlock;
            }
            read = Math.Min(_receivedCount, destination.Length);
            var first = Math.Min(read, ReceiveCapacity - _receivedStart);
            _received.AsSpan(_receivedStart, first).CopyTo(destination);
            _received.AsSpan(0, read - first).CopyTo(destination[first..]);
            _receivedStart = (_receivedStart + read) % ReceiveCapacity;
            _receivedCount -= read;
            room = Take(ref _receiveRoom);
        }
        room?.TrySetResult();
        return read;
    }

    /// <summary>Bytes of <paramref name="source"/> taken (sent in the background), or a result code.</summary>
    public long Write(ReadOnlySpan<byte> source, out string? error)
    {
        error = null;
        TaskCompletionSource? work;
        int taken;
        lock (_gate)
        {
            if (_sendFailure is not null)
            {
                error = _sendFailure;
                return Abi.IoError;
            }
            taken = Math.Min(SendCapacity - _fillingCount, source.Length);
            if (taken == 0)
            {
                return Abi.WouldBlock;
            }
            source[..taken].CopyTo(_filling.AsSpan(_fillingCount));
            _fillingCount += taken;
            work = Take(ref _sendWork);
        }
        work?.TrySetResult();
        return taken;
    }

    /// <summary>Completes when a read would not block (data, end of stream or failure).</summary>
    public Task WhenReadable()
    {
        lock (_gate)
        {
            return _receivedCount > 0 || _receiveEnded || _receiveFailure is not null
                ? Task.CompletedTask
                : (_readable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Completes when a write would not block (room in the send buffer, or failure).</summary>
    public Task WhenWritable()
    {
        lock (_gate)
        {
            return _fillingCount < SendCapacity || _sendFailure is not null
                ? Task.CompletedTask
                : (_writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Closes the session once the bytes already taken are sent.</summary>
    public void Dispose()
    {
        TaskCompletionSource? work;
        TaskCompletionSource? room;
        lock (_gate)
        {
            _closing = true;
            work = Take(ref _sendWork);
            room = Take(ref _receiveRoom);
        }
        work?.TrySetResult();
        room?.TrySetResult();
        _sendLoop.ContinueWith(_ =>
        {
            _ssl.Dispose();
            _socket.Dispose();
        }, TaskScheduler.Default);
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                Task? wait = null;
                int offset = 0, length = 0;
                lock (_gate)
                {
                    if (_closing)
                    {
                        return;
                    }
                    if (_receivedCount == ReceiveCapacity)
                    {
                        wait = (_receiveRoom = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                    }
                    else
                    {
                        offset = (_receivedStart + _receivedCount) % ReceiveCapacity;
                        length = Math.Min(ReceiveCapacity - _receivedCount, ReceiveCapacity - offset);
                    }
                }
                if (wait is not null)
                {
                    await wait.ConfigureAwait(false);
                    continue;
                }
                // Only the receive loop writes past the buffered bytes, and the guest reads only
                // those, so the read runs outside the lock.
                var read = await _ssl.ReadAsync(_received.AsMemory(offset, length)).ConfigureAwait(false);
                TaskCompletionSource? readable;
                lock (_gate)
                {
                    if (read == 0)
                    {
                        _receiveEnded = true;
                    }
                    _receivedCount += read;
                    readable = Take(ref _readable);
                }
                readable?.TrySetResult();
                if (read == 0)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            Fail(ref _receiveFailure, ref _readable, $"reading from {_endpoint} failed: {e.Message}");
        }
    }

    private async Task SendLoopAsync()
    {
        // Runs the loop on the thread pool, never inside the guest's host call.
        await Task.Yield();
        try
        {
            while (true)
            {
                Task? wait = null;
                byte[] buffer;
                int count;
                TaskCompletionSource? writable;
                lock (_gate)
                {
                    if (_fillingCount == 0)
                    {
                        if (_closing)
                        {
                            return;
                        }
                        wait = (_sendWork = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                        buffer = [];
                        count = 0;
                        writable = null;
                    }
                    else
                    {
                        buffer = _filling;
                        count = _fillingCount;
                        _filling = _spare;
                        _fillingCount = 0;
                        _spare = buffer;
                        writable = Take(ref _writable);
                    }
                }
                if (wait is not null)
                {
                    await wait.ConfigureAwait(false);
                    continue;
                }
                writable?.TrySetResult();
                await _ssl.WriteAsync(buffer.AsMemory(0, count)).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Fail(ref _sendFailure, ref _writable, $"writing to {_endpoint} failed: {e.Message}");
        }
    }

    // Records a loop's failure and wakes the guest waiting on that side, which then reads it.
    private void Fail(ref string? failure, ref TaskCompletionSource? waiter, string message)
    {
        TaskCompletionSource? woken;
        lock (_gate)
        {
            failure = message;
            woken = Take(ref waiter);
        }
        woken?.TrySetResult();
    }

    // A waiter is completed outside the lock, once taken from its field under it.
    private static TaskCompletionSource? Take(ref TaskCompletionSource? waiter)
    {
        var taken = waiter;
        waiter = null;
        return taken;
    }
}
