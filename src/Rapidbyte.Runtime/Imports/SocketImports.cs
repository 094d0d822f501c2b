using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.Network;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>TCP through the host: connect (the pipeline's allow-list and the silo's egress policy enforced), non-blocking read, write, close.</summary>
internal static class SocketImports
{
    public static void Define(Linker linker)
    {
        linker.DefineFunction(Abi.ImportModule, "tcp_connect", (Caller caller, int hostPointer, int hostLength, int port) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!GuestMemory.TryReadString(context.Memory, hostPointer, hostLength, out var host))
                {
                    return ImportContext.BadPointer(context, "tcp_connect", hostPointer, hostLength);
                }
                if (host.Length == 0 || port is <= 0 or > 65535)
                {
                    return context.Fail(Abi.BadArgument, $"tcp_connect: '{host}:{port}' is not a host and port");
                }
                if (!context.Network.IsAllowed(host, port))
                {
                    var allowed = string.Join(", ", context.Network.Entries);
                    return context.Fail(Abi.Denied,
                        $"connection to {host}:{port} refused: it is not in the pipeline's network allow-list ({(allowed.Length == 0 ? "empty" : allowed)})");
                }
                if (context.Handles.IsFull)
                {
                    return context.Fail(Abi.Limit, $"tcp_connect: the connector already holds {HandleTable.MaxOpenHandles} open handles");
                }
                return context.Handles.Add(HostSocket.Connect(host, port, context.Egress, context.ConnectTimeout));
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "tcp_connect", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "tcp_read", (Caller caller, int handle, int pointer, int length) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!context.Handles.TryGetSocket(handle, out var socket))
                {
                    return context.Fail(Abi.BadArgument, $"tcp_read: no open socket has handle {handle}");
                }
                if (!GuestMemory.TryGetSpan(context.Memory, pointer, length, out var destination))
                {
                    return ImportContext.BadPointer(context, "tcp_read", pointer, length);
                }
                var result = socket.Read(destination, out var error);
                return error is null ? result : context.Fail(result, error);
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "tcp_read", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "tcp_write", (Caller caller, int handle, int pointer, int length) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!context.Handles.TryGetSocket(handle, out var socket))
                {
                    return context.Fail(Abi.BadArgument, $"tcp_write: no open socket has handle {handle}");
                }
                if (!GuestMemory.TryGetSpan(context.Memory, pointer, length, out var source))
                {
                    return ImportContext.BadPointer(context, "tcp_write", pointer, length);
                }
                var result = socket.Write(source, out var error);
                return error is null ? result : context.Fail(result, error);
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "tcp_write", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "tcp_close", (Caller caller, int handle) =>
        {
            var context = ImportContext.Of(caller);
            return context.Handles.CloseSocket(handle)
                ? 0L
                : context.Fail(Abi.BadArgument, $"tcp_close: no open socket has handle {handle}");
        });
    }
}
