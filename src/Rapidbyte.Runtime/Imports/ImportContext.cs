using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>Shared plumbing of the host imports: finding the instance and reporting failures.</summary>
internal static class ImportContext
{
    /// <summary>The instance a call comes from (the Store's data).</summary>
    public static InstanceContext Of(Caller caller) => (InstanceContext)caller.GetData()!;

    /// <summary>
    /// An exception escaping an import would trap the guest for a host bug; report it as an
    /// I/O error of that call instead, and log it for us.
    /// </summary>
    public static long Unexpected(InstanceContext context, string import, Exception exception)
    {
        context.Logger.LogImportFailure(context.Connector, import, exception);
        return context.Fail(Abi.IoError, $"{import} failed in the host: {exception.Message}");
    }

    public static long BadPointer(InstanceContext context, string import, int pointer, int length) =>
        context.Fail(Abi.BadArgument, $"{import}: the range [{pointer}, {pointer}+{length}) is outside the connector's memory");
}
