using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.Network;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>TCP through the host: connect (the pipeline's allow-list and the silo's egress policy enforced; TLS negotiated by the host when asked), non-blocking read, write, close.</summary>
internal static class SocketImports
{
    public static void Define(Linker linker)
    {
        linker.DefineFunction(Abi.ImportModule, "tcp_connect", (Caller caller, int hostPointer, int hostLength, int port) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                return Connect(context, "tcp_connect", hostPointer, hostLength, port, tls: null);
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "tcp_connect", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "tcp_connect_tls", (Caller caller, int hostPointer, int hostLength, int port, int tlsPointer, int tlsLength) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!GuestMemory.TryGetSpan(context.Memory, tlsPointer, tlsLength, out var tlsJson))
                {
                    return ImportContext.BadPointer(context, "tcp_connect_tls", tlsPointer, tlsLength);
                }
                TlsSettings? tls;
                try
                {
                    tls = JsonSerializer.Deserialize<TlsSettings>(tlsJson, ContractJson.Options);
                }
                catch (JsonException e)
                {
                    return context.Fail(Abi.BadArgument, $"tcp_connect_tls: the TLS settings are not a tls-settings record: {e.Message}");
                }
                return tls is null
                    ? context.Fail(Abi.BadArgument, "tcp_connect_tls: the TLS settings are null")
                    : Connect(context, "tcp_connect_tls", hostPointer, hostLength, port, tls);
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "tcp_connect_tls", e);
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

    // One connect path for both imports: host and port checked, the allow-list enforced, a
    // handle given for a connect (and TLS negotiation) that runs in the background.
    private static long Connect(InstanceContext context, string import, int hostPointer, int hostLength, int port, TlsSettings? tls)
    {
        if (!GuestMemory.TryReadString(context.Memory, hostPointer, hostLength, out var host))
        {
            return ImportContext.BadPointer(context, import, hostPointer, hostLength);
        }
        if (host.Length == 0 || port is <= 0 or > 65535)
        {
            return context.Fail(Abi.BadArgument, $"{import}: '{host}:{port}' is not a host and port");
        }
        if (!context.Network.IsAllowed(host, port))
        {
            var allowed = string.Join(", ", context.Network.Entries);
            return context.Fail(Abi.Denied,
                $"connection to {host}:{port} refused: it is not in the pipeline's network allow-list ({(allowed.Length == 0 ? "empty" : allowed)})");
        }
        if (context.Handles.IsFull)
        {
            return context.Fail(Abi.Limit, $"{import}: the connector already holds {HandleTable.MaxOpenHandles} open handles");
        }
        return context.Handles.Add(HostSocket.Connect(host, port, context.Egress, context.ConnectTimeout, tls));
    }
}
