using Microsoft.Extensions.Logging;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>Imports for logs, metrics and the protocol version.</summary>
internal static class ObservabilityImports
{
    // The SDK's panic hook logs this at level 0 just before the guest aborts.
    private const string PanicPrefix = "panic: ";

    public static void Define(Linker linker)
    {
        linker.DefineFunction(Abi.ImportModule, "protocol_version", () => Abi.ProtocolVersion);

        linker.DefineFunction(Abi.ImportModule, "log", (Caller caller, int level, int pointer, int length) =>
        {
            var context = ImportContext.Of(caller);
            if (!GuestMemory.TryReadString(context.Memory, pointer, length, out var message))
            {
                return;
            }
            if (level == 0 && message.StartsWith(PanicPrefix, StringComparison.Ordinal))
            {
                context.PanicMessage = message[PanicPrefix.Length..];
            }
            context.Logger.LogGuestMessage(ToLogLevel(level), context.Connector, message);
        });

        linker.DefineFunction(Abi.ImportModule, "counter_add", (Caller caller, int namePointer, int nameLength, long delta) =>
        {
            var context = ImportContext.Of(caller);
            if (!GuestMemory.TryReadString(context.Memory, namePointer, nameLength, out var name))
            {
                return ImportContext.BadPointer(context, "counter_add", namePointer, nameLength);
            }
            context.Metrics.AddToCounter(name, delta);
            return 0L;
        });

        linker.DefineFunction(Abi.ImportModule, "gauge_set", (Caller caller, int namePointer, int nameLength, double value) =>
        {
            var context = ImportContext.Of(caller);
            if (!GuestMemory.TryReadString(context.Memory, namePointer, nameLength, out var name))
            {
                return ImportContext.BadPointer(context, "gauge_set", namePointer, nameLength);
            }
            context.Metrics.SetGauge(name, value);
            return 0L;
        });
    }

    /// <summary>Where the guest's stdout and stderr go: the log, and the fault explanation.</summary>
    public static void OnGuestOutput(InstanceContext context, ReadOnlySpan<byte> bytes, bool isError)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\n');
        if (text.Length == 0)
        {
            return;
        }
        // Rust's allocator reports this just before aborting when memory.grow was refused.
        if (isError && text.Contains("memory allocation of", StringComparison.Ordinal))
        {
            context.AllocationFailed = true;
        }
        context.Logger.LogGuestMessage(isError ? LogLevel.Warning : LogLevel.Information, context.Connector, text);
    }

    private static LogLevel ToLogLevel(int level) => level switch
    {
        <= 0 => LogLevel.Error,
        1 => LogLevel.Warning,
        2 => LogLevel.Information,
        3 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };
}
