using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>Connector state and the result slot that carries variable-size results to the guest.</summary>
internal static class StateImports
{
    public static void Define(Linker linker)
    {
        linker.DefineFunction(Abi.ImportModule, "state_get", (Caller caller, int keyPointer, int keyLength) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!GuestMemory.TryReadString(context.Memory, keyPointer, keyLength, out var key))
                {
                    return ImportContext.BadPointer(context, "state_get", keyPointer, keyLength);
                }
                if (!context.State.TryGet(key, out var value))
                {
                    return Abi.None;
                }
                context.Result.Set(value);
                return value.Length;
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "state_get", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "state_put", (Caller caller, int keyPointer, int keyLength, int valuePointer, int valueLength) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!GuestMemory.TryReadString(context.Memory, keyPointer, keyLength, out var key))
                {
                    return ImportContext.BadPointer(context, "state_put", keyPointer, keyLength);
                }
                if (!GuestMemory.TryGetSpan(context.Memory, valuePointer, valueLength, out var value))
                {
                    return ImportContext.BadPointer(context, "state_put", valuePointer, valueLength);
                }
                context.State.Put(key, value);
                return 0L;
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "state_put", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "take_result", (Caller caller, int pointer, int capacity) =>
        {
            var context = ImportContext.Of(caller);
            if (!GuestMemory.TryGetSpan(context.Memory, pointer, capacity, out var destination))
            {
                return ImportContext.BadPointer(context, "take_result", pointer, capacity);
            }
            return (long)context.Result.TakeInto(destination);
        });
    }
}
