using Rapidbyte.Runtime.Errors;
using Wasmtime;

namespace Rapidbyte.Runtime.Instances;

/// <summary>Explains why a guest stopped, from the trap and what the guest said just before.</summary>
internal static class FaultClassifier
{
    public static ConnectorException Classify(string connector, WasmtimeException exception, InstanceContext context, ConnectorInstanceOptions options)
    {
        if (exception is TrapException { Type: TrapCode.Interrupt })
        {
            return ConnectorException.ForFault(connector, ConnectorFault.CpuLimit,
                $"the connector ran for more than its CPU limit ({options.SliceCpuLimit.TotalSeconds:0.###} s) without returning to the host (an endless loop?); it was stopped",
                exception);
        }
        if (context.AllocationFailed)
        {
            return ConnectorException.ForFault(connector, ConnectorFault.MemoryLimit,
                $"the connector ran out of memory: it tried to grow past its limit of {options.MemoryLimitBytes / (1024 * 1024)} MiB",
                exception);
        }
        if (context.PanicMessage is { } panic)
        {
            return ConnectorException.ForFault(connector, ConnectorFault.Panic, $"the connector panicked: {panic}", exception);
        }
        if (exception.ExitCode is { } code)
        {
            return ConnectorException.ForFault(connector, ConnectorFault.Trap, $"the connector exited with code {code}", exception);
        }
        var firstLine = exception.Message.Split('\n', 2)[0];
        return ConnectorException.ForFault(connector, ConnectorFault.Trap, $"the connector trapped: {firstLine}", exception);
    }
}
