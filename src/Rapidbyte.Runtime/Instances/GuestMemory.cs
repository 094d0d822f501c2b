using Wasmtime;

namespace Rapidbyte.Runtime.Instances;

/// <summary>
/// Bounds-checked access to a guest's linear memory. Every pointer and length a guest passes
/// goes through here: a bad one is an error code for that call, never a host crash. The
/// span is fetched per call because the memory may have grown (and moved) since.
/// </summary>
internal static class GuestMemory
{
    public static bool TryGetSpan(Memory memory, int pointer, int length, out Span<byte> span)
    {
        if (pointer < 0 || length < 0 || (long)pointer + length > memory.GetLength())
        {
            span = default;
            return false;
        }
        span = length == 0 ? Span<byte>.Empty : memory.GetSpan(pointer, length);
        return true;
    }

    public static bool TryReadString(Memory memory, int pointer, int length, out string value)
    {
        if (!TryGetSpan(memory, pointer, length, out var span))
        {
            value = string.Empty;
            return false;
        }
        value = System.Text.Encoding.UTF8.GetString(span);
        return true;
    }
}
