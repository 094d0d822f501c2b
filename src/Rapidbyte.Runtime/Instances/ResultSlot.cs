using Rapidbyte.Runtime.Batches;

namespace Rapidbyte.Runtime.Instances;

/// <summary>
/// The one place variable-size results wait for the guest to take them (wit/LOWERING.md,
/// "the result slot"): a batch from <c>next_batch</c>, a state value, an error message.
/// Setting a new value drops the old one.
/// </summary>
internal sealed class ResultSlot : IDisposable
{
    private ArrowBatch? _batch;
    private byte[]? _bytes;

    public int Length => _batch?.Length ?? _bytes?.Length ?? 0;

    public void Set(ArrowBatch batch)
    {
        Clear();
        _batch = batch;
    }

    public void Set(byte[] bytes)
    {
        Clear();
        _bytes = bytes;
    }

    public void SetMessage(string message) => Set(System.Text.Encoding.UTF8.GetBytes(message));

    /// <summary>Copies the value into <paramref name="destination"/> and clears the slot, if it fits.</summary>
    /// <returns>The value's length (nothing is copied when it exceeds the destination).</returns>
    public int TakeInto(Span<byte> destination)
    {
        var length = Length;
        if (length == 0 || length > destination.Length)
        {
            return length;
        }
        if (_batch is not null)
        {
            _batch.Memory.Span.CopyTo(destination);
        }
        else
        {
            _bytes.AsSpan().CopyTo(destination);
        }
        Clear();
        return length;
    }

    public void Clear()
    {
        _batch?.Dispose();
        _batch = null;
        _bytes = null;
    }

    public void Dispose() => Clear();
}
