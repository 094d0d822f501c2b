using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.Network;
using Rapidbyte.Runtime.Timers;

namespace Rapidbyte.Runtime.Instances;

/// <summary>
/// The sockets and timers of one instance, by the handle the guest knows them by. Handles 0
/// and 1 are reserved (batch channel, cancellation); the rest count up from 2 and are
/// never reused within an instance, so a stale handle cannot reach a newer resource.
/// </summary>
internal sealed class HandleTable : IDisposable
{
    /// <summary>Open handles an instance may hold at once; more is a connector bug, not a workload.</summary>
    public const int MaxOpenHandles = 4096;

    private readonly Dictionary<int, HostSocket> _sockets = [];
    private readonly Dictionary<int, HostTimer> _timers = [];
    private int _next = Abi.FirstDynamicHandle;

    public IReadOnlyDictionary<int, HostSocket> Sockets => _sockets;

    public IReadOnlyDictionary<int, HostTimer> Timers => _timers;

    public bool IsFull => _sockets.Count + _timers.Count >= MaxOpenHandles;

    public int Add(HostSocket socket)
    {
        var handle = _next++;
        _sockets.Add(handle, socket);
        return handle;
    }

    public int Add(HostTimer timer)
    {
        var handle = _next++;
        _timers.Add(handle, timer);
        return handle;
    }

    public bool TryGetSocket(int handle, out HostSocket socket) => _sockets.TryGetValue(handle, out socket!);

    public bool CloseSocket(int handle)
    {
        if (!_sockets.Remove(handle, out var socket))
        {
            return false;
        }
        socket.Dispose();
        return true;
    }

    public bool CancelTimer(int handle)
    {
        if (!_timers.Remove(handle, out var timer))
        {
            return false;
        }
        timer.Dispose();
        return true;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }
        foreach (var timer in _timers.Values)
        {
            timer.Dispose();
        }
        _sockets.Clear();
        _timers.Clear();
    }
}
