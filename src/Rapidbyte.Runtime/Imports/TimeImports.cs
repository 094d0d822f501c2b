using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.Timers;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>Timers and cancellation: how a connector waits for time without blocking a thread.</summary>
internal static class TimeImports
{
    public static void Define(Linker linker)
    {
        linker.DefineFunction(Abi.ImportModule, "timer_start", (Caller caller, long milliseconds) =>
        {
            var context = ImportContext.Of(caller);
            if (milliseconds < 0 || milliseconds > (long)TimeSpan.FromDays(1).TotalMilliseconds)
            {
                return context.Fail(Abi.BadArgument, $"timer_start: {milliseconds} ms is not between 0 and one day");
            }
            if (context.Handles.IsFull)
            {
                return context.Fail(Abi.Limit, $"timer_start: the connector already holds {HandleTable.MaxOpenHandles} open handles");
            }
            return context.Handles.Add(new HostTimer(TimeSpan.FromMilliseconds(milliseconds)));
        });

        // A timer that already fired is gone from the table; cancelling it is harmless.
        linker.DefineFunction(Abi.ImportModule, "timer_cancel", (Caller caller, int handle) =>
        {
            ImportContext.Of(caller).Handles.CancelTimer(handle);
            return 0L;
        });

        // Asking is the registration: a guest that asked waits on handle 1 as well.
        linker.DefineFunction(Abi.ImportModule, "is_cancelled", (Caller caller) =>
        {
            var context = ImportContext.Of(caller);
            if (context.Cancelled)
            {
                return 1;
            }
            context.CancellationInterest = true;
            return 0;
        });
    }
}
