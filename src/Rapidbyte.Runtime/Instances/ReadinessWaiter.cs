using Rapidbyte.Runtime.Lowering;
using Wasmtime;

namespace Rapidbyte.Runtime.Instances;

/// <summary>
/// The host half of the poll protocol's PENDING: gathers what the guest registered by
/// getting would-block (sockets, channel, timers, cancellation), waits until any of it is
/// ready — asynchronously, with no thread held — and writes the ready ones as events into the
/// guest's event buffer.
/// </summary>
internal sealed class ReadinessWaiter(InstanceContext context, Memory memory, int eventBuffer)
{
    private readonly List<Task> _waits = [];

    /// <summary>Waits for readiness and writes the events.</summary>
    /// <param name="cancelled">Completes when the run is cancelled (always watched, interest or not).</param>
    /// <param name="deadline">Completes when the host stops waiting for the guest (grace period over).</param>
    /// <returns>How many events were written (0 only when <paramref name="deadline"/> fired first).</returns>
    /// <exception cref="InvalidOperationException">The guest is PENDING but waits on nothing: a lost wake-up.</exception>
    public async Task<int> WaitAsync(Task cancelled, Task? deadline)
    {
        _waits.Clear();
        foreach (var socket in context.Handles.Sockets.Values)
        {
            if (socket.ReadInterest)
            {
                _waits.Add(socket.WhenReadable());
            }
            if (socket.WriteInterest)
            {
                _waits.Add(socket.WhenWritable());
            }
        }
        foreach (var timer in context.Handles.Timers.Values)
        {
            _waits.Add(timer.Due);
        }
        if (context.ChannelReadInterest)
        {
            _waits.Add(context.Input!.WhenReadable());
        }
        if (context.ChannelWriteInterest)
        {
            _waits.Add(context.Output!.WhenWritable());
        }
        if (_waits.Count == 0 && !context.CancellationInterest)
        {
            throw new InvalidOperationException(
                "the connector returned PENDING but waits on nothing (a lost wake-up: no would-block, timer or cancellation interest was registered)");
        }
        // Cancellation is delivered once; after that the guest winds down at its own pace.
        if (!context.Cancelled)
        {
            _waits.Add(cancelled);
        }
        if (deadline is not null)
        {
            _waits.Add(deadline);
        }
        if (!_waits.Exists(static t => t.IsCompleted))
        {
            await Task.WhenAny(_waits).ConfigureAwait(false);
        }
        return CollectReadyEvents(cancelled.IsCompleted);
    }

    /// <summary>
    /// Writes the events that are ready now, without waiting: after a YIELD, so that a guest
    /// that never waits still hears about cancellation.
    /// </summary>
    public int CollectReadyEvents(bool cancelled)
    {
        var count = 0;
        foreach (var (handle, socket) in context.Handles.Sockets)
        {
            var ready = 0;
            if (socket.ReadInterest && socket.WhenReadable().IsCompleted)
            {
                ready |= Abi.Readable;
                socket.ReadEventDelivered();
            }
            if (socket.WriteInterest && socket.WhenWritable().IsCompleted)
            {
                ready |= Abi.Writable;
                socket.WriteInterest = false;
            }
            if (ready != 0 && !TryWrite(ref count, handle, ready))
            {
                return count;
            }
        }
        List<int>? fired = null;
        foreach (var (handle, timer) in context.Handles.Timers)
        {
            if (timer.Due.IsCompleted && TryWrite(ref count, handle, Abi.Readable))
            {
                (fired ??= []).Add(handle);
            }
        }
        fired?.ForEach(handle => context.Handles.CancelTimer(handle));

        var channel = 0;
        if (context.ChannelReadInterest && context.Input!.WhenReadable().IsCompleted)
        {
            channel |= Abi.Readable;
            context.ChannelReadInterest = false;
        }
        if (context.ChannelWriteInterest && context.Output!.WhenWritable().IsCompleted)
        {
            channel |= Abi.Writable;
            context.ChannelWriteInterest = false;
        }
        if (channel != 0)
        {
            TryWrite(ref count, Abi.ChannelHandle, channel);
        }
        if (cancelled && !context.Cancelled)
        {
            context.Cancelled = true;
            context.CancellationInterest = false;
            TryWrite(ref count, Abi.CancellationHandle, Abi.Readable);
        }
        return count;
    }

    // More ready events than the buffer holds stay ready and go out with the next poll.
    private bool TryWrite(ref int count, int handle, int readiness)
    {
        if (count == Abi.EventCapacity)
        {
            return false;
        }
        memory.WriteInt32(eventBuffer + 4 * count, handle << 2 | readiness);
        count++;
        return true;
    }
}
