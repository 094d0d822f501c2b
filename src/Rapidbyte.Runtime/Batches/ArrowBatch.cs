using System.Buffers;

namespace Rapidbyte.Runtime.Batches;

/// <summary>
/// One Arrow IPC stream (schema + one record batch) in a pooled buffer. The host moves it
/// from source to destination without re-encoding; whoever takes it last disposes it.
/// </summary>
public sealed class ArrowBatch : IDisposable
{
    // Not ArrayPool<byte>.Shared: it keeps the last returned array in the returning thread's
    // local slot, and batches are rented on the source's thread and returned on the
    // destination's, so nearly every batch got a fresh array (a 1M-row run spent 15 % of its
    // CPU on page faults and copies into new memory). This pool is one locked store shared
    // by all threads; arrays are powers of two, up to 1 GiB, 16 of each size kept.
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(1 << 30, 16);

    private byte[]? _buffer;

    private ArrowBatch(byte[] buffer, int length, int rows)
    {
        _buffer = buffer;
        Length = length;
        Rows = rows;
    }

    /// <summary>Size of the IPC stream in bytes.</summary>
    public int Length { get; }

    /// <summary>Rows in the record batch.</summary>
    public int Rows { get; }

    /// <summary>The IPC bytes; valid until the batch is disposed.</summary>
    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(ArrowBatch))).AsMemory(0, Length);

    /// <summary>Copies <paramref name="ipc"/> into a pooled buffer and checks it is a well-formed batch.</summary>
    /// <exception cref="InvalidDataException">The bytes are not one Arrow IPC stream with exactly one record batch.</exception>
    public static ArrowBatch CopyOf(ReadOnlySpan<byte> ipc)
    {
        var buffer = Buffers.Rent(Math.Max(ipc.Length, 1));
        ipc.CopyTo(buffer);
        return Checked(buffer, ipc.Length);
    }

    /// <summary>Writes the first bytes of a pooled buffer (all <c>length</c> of them).</summary>
    public delegate void Filler(Span<byte> buffer);

    /// <summary>
    /// A batch of <paramref name="length"/> bytes that <paramref name="fill"/> writes into a
    /// pooled buffer (a stream given in pieces, joined as they are copied), checked as <see cref="CopyOf(ReadOnlySpan{byte})"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not one Arrow IPC stream with exactly one record batch.</exception>
    public static ArrowBatch CopyOf(int length, Filler fill)
    {
        var buffer = Buffers.Rent(Math.Max(length, 1));
        try
        {
            fill(buffer.AsSpan(0, length));
        }
        catch
        {
            Buffers.Return(buffer);
            throw;
        }
        return Checked(buffer, length);
    }

    private static ArrowBatch Checked(byte[] buffer, int length)
    {
        try
        {
            var rows = ArrowBatchValidator.CountRows(buffer.AsMemory(0, length));
            return new ArrowBatch(buffer, length, rows);
        }
        catch
        {
            Buffers.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            Buffers.Return(buffer);
        }
    }
}
