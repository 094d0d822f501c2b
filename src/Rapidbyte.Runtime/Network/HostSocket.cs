using System.Buffers;
using System.Net.Sockets;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Lowering;

namespace Rapidbyte.Runtime.Network;

/// <summary>
/// A TCP connection a connector uses through the host. Nothing here blocks: reads and writes
/// answer at once, and readiness is awaited asynchronously by the poll driver
/// (<see cref="WhenReadable"/>, <see cref="WhenWritable"/>) with no thread held. A connection
/// the host secured with TLS (<see cref="PostgresTls"/>) lends the guest its plain bytes through
/// a <see cref="TlsChannel"/> with the same contract.
/// </summary>
internal sealed class HostSocket : IDisposable
{
    // What a write may leave for a background send when the kernel buffer is full; further
    // writes report would-block until it is flushed, which is how a writer gets backpressure.
    private const int MaxBufferedSend = 1 << 20;

    private readonly Socket _socket;
    private readonly Task _connect;
    private Task? _pendingSend;
    // Reading a bulk stream (a COPY), a guest that drained the socket would otherwise be woken
    // for every few kilobytes the server sent, each wake-up a thread hop that costs more than
    // decoding the bytes (a 1M-row firenibble COPY on 2 cores: ~17,000 waits, against ~4,000
    // coalesced at 128 KiB or 1 ms; the process's CPU 2.1 -> 1.5 s; at 512 KiB or 4 ms the
    // server's process switched threads ~10,500 times in a run instead of ~18,000 and took
    // 0.72 CPU s instead of 0.84, while 1 MiB or 8 ms gained nothing more). While the guest streams (since its last wait
    // it read StreamingRead bytes or more and wrote nothing, so it is not waiting for a reply),
    // the next wait asks the kernel to report readability only once CoalescedRead bytes are
    // there (SO_RCVLOWAT), and stops waiting after CoalescingDelay, so that the end of a stream,
    // or a short reply after it, is held back at most that long, once. Any other wait reports
    // the first byte at once.
    private const int StreamingRead = 8 * 1024;
    private const int CoalescedRead = 512 * 1024;
    private static readonly TimeSpan CoalescingDelay = TimeSpan.FromMilliseconds(4);

    // One zero-byte receive, reused until it fires: completes when data or EOF is there,
    // consuming nothing, so the guest's own non-blocking read gets the bytes.
    private Task? _readWait;
    // Bytes the guest read since its last readiness wait began, and whether it wrote since.
    private long _readSinceWait;
    private bool _wroteSinceWait;
    // The socket's SO_RCVLOWAT is CoalescedRead (else the default, 1); null: the platform refused it.
    private bool? _lowWaterSet = false;
    // Set by the connect when TLS was negotiated; reads and writes then go through it.
    private TlsChannel? _tls;
    private volatile bool _disposed;

    private HostSocket(Socket socket, string host, int port, EgressPolicy egress, TimeSpan timeout, TlsSettings? tls)
    {
        _socket = socket;
        Endpoint = $"{host}:{port}";
        _connect = ConnectAsync(host, port, egress, timeout, tls);
    }

    /// <summary><c>host:port</c>, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>The guest saw would-block on a read and waits for readability.</summary>
    public bool ReadInterest { get; set; }

    /// <summary>The guest saw would-block on a write and waits for writability.</summary>
    public bool WriteInterest { get; set; }

    /// <summary>
    /// Starts connecting in the background (to addresses <paramref name="egress"/> allows) and
    /// returns at once; with <paramref name="tls"/>, the background connect also negotiates TLS
    /// as those settings ask.
    /// </summary>
    public static HostSocket Connect(string host, int port, EgressPolicy egress, TimeSpan timeout, TlsSettings? tls = null) =>
        new(new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, host, port, egress, timeout, tls);

    /// <summary>Reads into <paramref name="destination"/>: bytes read, 0 at end of stream, or a result code.</summary>
    public long Read(Span<byte> destination, out string? error)
    {
        if (!IsConnected(out var code, out error))
        {
            ReadInterest |= code == Abi.WouldBlock;
            return code;
        }
        if (_tls is not null)
        {
            var result = _tls.Read(destination, out error);
            ReadInterest |= result == Abi.WouldBlock;
            return result;
        }
        var read = _socket.Receive(destination, SocketFlags.None, out var status);
        switch (status)
        {
            case SocketError.Success:
                _readSinceWait += read;
                return read;
            case SocketError.WouldBlock:
                ReadInterest = true;
                return Abi.WouldBlock;
            default:
                error = $"reading from {Endpoint} failed: {Describe(status)}";
                return Abi.IoError;
        }
    }

    /// <summary>Writes <paramref name="source"/>: bytes taken (the host may buffer them), or a result code.</summary>
    public long Write(ReadOnlySpan<byte> source, out string? error)
    {
        if (!IsConnected(out var code, out error))
        {
            WriteInterest |= code == Abi.WouldBlock;
            return code;
        }
        if (_tls is not null)
        {
            var result = _tls.Write(source, out error);
            WriteInterest |= result == Abi.WouldBlock;
            return result;
        }
        _wroteSinceWait = true;
        if (_pendingSend is not null)
        {
            if (!_pendingSend.IsCompleted)
            {
                WriteInterest = true;
                return Abi.WouldBlock;
            }
            if (!_pendingSend.IsCompletedSuccessfully)
            {
                error = $"writing to {Endpoint} failed: {Describe(_pendingSend.Exception)}";
                return Abi.IoError;
            }
            _pendingSend = null;
        }
        var sent = _socket.Send(source, SocketFlags.None, out var status);
        if (status == SocketError.WouldBlock)
        {
            sent = 0;
        }
        else if (status != SocketError.Success)
        {
            error = $"writing to {Endpoint} failed: {Describe(status)}";
            return Abi.IoError;
        }
        if (sent == source.Length)
        {
            return sent;
        }
        // The kernel buffer is full: keep (up to a cap) the rest and send it in the background.
        var take = Math.Min(source.Length - sent, MaxBufferedSend);
        var rest = ArrayPool<byte>.Shared.Rent(take);
        source.Slice(sent, take).CopyTo(rest);
        _pendingSend = SendInBackgroundAsync(rest, take);
        return sent + take;
    }

    /// <summary>Completes when a read would not block (data, EOF, error, or the connect ended).</summary>
    public Task WhenReadable() =>
        !_connect.IsCompleted ? _connect
        : _tls is not null ? _tls.WhenReadable()
        : _readWait ??= WaitReadableAsync();

    /// <summary>Completes when a write would not block (connect ended, background send flushed).</summary>
    public Task WhenWritable() =>
        !_connect.IsCompleted ? _connect
        : _tls is not null ? _tls.WhenWritable()
        : _pendingSend ?? Task.CompletedTask;

    /// <summary>Called after a readable event was delivered, so the next wait starts a fresh receive.</summary>
    public void ReadEventDelivered()
    {
        ReadInterest = false;
        if (_readWait is { IsCompleted: true })
        {
            _readWait = null;
        }
    }

    /// <summary>Closes the connection once bytes already taken are sent.</summary>
    public void Dispose()
    {
        _disposed = true;
        if (_tls is not null)
        {
            _tls.Dispose();
            return;
        }
        if (_pendingSend is { IsCompleted: false } pending)
        {
            pending.ContinueWith(_ => _socket.Dispose(), TaskScheduler.Default);
        }
        else
        {
            _socket.Dispose();
        }
    }

    private bool IsConnected(out long code, out string? error)
    {
        error = null;
        if (!_connect.IsCompleted)
        {
            code = Abi.WouldBlock;
            return false;
        }
        if (_connect.Exception?.InnerException is EgressRefusedException denied)
        {
            code = Abi.Denied;
            error = denied.Message;
            return false;
        }
        if (_connect.Exception?.InnerException is TlsRefusedException refused)
        {
            code = Abi.TlsRefused;
            error = refused.Message;
            return false;
        }
        if (!_connect.IsCompletedSuccessfully)
        {
            code = Abi.ConnectFailed;
            error = $"could not connect to {Endpoint}: {Describe(_connect.Exception)}";
            return false;
        }
        code = 0;
        return true;
    }

    // The timeout covers the resolution, the TCP connect and the TLS negotiation together.
    private async Task ConnectAsync(string host, int port, EgressPolicy egress, TimeSpan timeout, TlsSettings? tls)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            // Only to the addresses the policy checked: resolving again could give others.
            var addresses = await egress.ResolveAsync(host, port, deadline.Token).ConfigureAwait(false);
            await _socket.ConnectAsync(addresses, port, deadline.Token).ConfigureAwait(false);
            if (tls is not null && tls.ModeFor(host) != TlsMode.Disable)
            {
                _tls = await PostgresTls.NegotiateAsync(_socket, host, Endpoint, tls, deadline.Token).ConfigureAwait(false);
                // Closed while the handshake ran: nobody else will end the session's loops.
                if (_disposed)
                {
                    _tls?.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        // TLS runs over a NetworkStream, which needs a blocking socket (its I/O is async anyway);
        // the plain path reads and writes the socket directly and must never block.
        if (_tls is null)
        {
            _socket.Blocking = false;
        }
    }

    private Task WaitReadableAsync()
    {
        var coalesce = _readSinceWait >= StreamingRead && !_wroteSinceWait && SetLowWater(true);
        _readSinceWait = 0;
        _wroteSinceWait = false;
        if (!coalesce)
        {
            SetLowWater(false);
        }
        return WaitReadableAsync(coalesce ? CoalescingDelay : Timeout.InfiniteTimeSpan);
    }

    private async Task WaitReadableAsync(TimeSpan atMost)
    {
        using var delay = atMost == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(atMost);
        try
        {
            await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, delay?.Token ?? default).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (delay is { IsCancellationRequested: true })
        {
            // Fewer than CoalescedRead bytes came within the delay: the guest reads what is there.
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The guest's next read reports the failure with its own message.
        }
    }

    // Sets SO_RCVLOWAT to CoalescedRead or back to 1 when it is not that already; false when
    // coalescing was asked for and the platform does not take the option (reads then wake per byte).
    private bool SetLowWater(bool coalesce)
    {
        if (_lowWaterSet is not { } set)
        {
            return false;
        }
        if (set == coalesce)
        {
            return true;
        }
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, coalesce ? CoalescedRead : 1);
            _lowWaterSet = coalesce;
            return true;
        }
        catch (SocketException)
        {
            _lowWaterSet = null;
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false; // closed: the receive reports it
        }
    }

    private async Task SendInBackgroundAsync(byte[] buffer, int length)
    {
        try
        {
            var offset = 0;
            while (offset < length)
            {
                offset += await _socket.SendAsync(buffer.AsMemory(offset, length - offset), SocketFlags.None).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Describe(SocketError status) => new SocketException((int)status).Message;

    private static string Describe(AggregateException? failure) =>
        failure?.InnerException switch
        {
            SocketException s => s.Message,
            { } other => other.Message,
            null => "unknown error",
        };
}
