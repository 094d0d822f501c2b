using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.State;
using Wasmtime;

namespace Rapidbyte.Runtime.Imports;

/// <summary>The batch channel (emit in a read, take in a write) and checkpoints.</summary>
internal static class BatchImports
{
    /// <summary>Bytes of one entry of <c>emit_batch</c>'s piece table: address, then length (two i32s).</summary>
    private const int PieceSize = 8;

    /// <summary>The most pieces one batch may come in (a few per column of the widest table).</summary>
    private const int MaxPieces = 65_536;

    /// <summary>Piece <paramref name="index"/> of a piece table (little-endian, as wasm stores it).</summary>
    private static (int Pointer, int Length) Piece(Span<byte> table, int index) => (
        System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(table[(index * PieceSize)..]),
        System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(table[(index * PieceSize + 4)..]));

    public static void Define(Linker linker)
    {
        linker.DefineFunction(Abi.ImportModule, "emit_batch", (Caller caller, int pieces, int count) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (context.Operation != ConnectorOperation.Read || context.Output is not { } output)
                {
                    return context.Fail(Abi.Denied, "emit_batch is only valid during a read operation");
                }
                if (count is < 0 or > MaxPieces)
                {
                    return context.Fail(Abi.BadArgument, $"emit_batch: {count} pieces (at most {MaxPieces})");
                }
                if (!GuestMemory.TryGetSpan(context.Memory, pieces, count * PieceSize, out var table))
                {
                    return ImportContext.BadPointer(context, "emit_batch", pieces, count * PieceSize);
                }
                long length = 0;
                for (var i = 0; i < count; i++)
                {
                    var (pointer, pieceLength) = Piece(table, i);
                    if (!GuestMemory.TryGetSpan(context.Memory, pointer, pieceLength, out _))
                    {
                        return ImportContext.BadPointer(context, "emit_batch", pointer, pieceLength);
                    }
                    length += pieceLength;
                }
                if (length > Array.MaxLength)
                {
                    return context.Fail(Abi.InvalidData, $"emit_batch: a batch of {length} bytes (at most {Array.MaxLength})");
                }
                // Check for room before copying, so a full channel costs no copy.
                if (!output.CanWrite((int)length))
                {
                    context.ChannelWriteInterest = true;
                    return Abi.WouldBlock;
                }
                ArrowBatch batch;
                try
                {
                    // The pieces, joined as they are copied out of the guest.
                    batch = ArrowBatch.CopyOf((int)length, buffer =>
                    {
                        var memory = context.Memory;
                        var table = memory.GetSpan(pieces, count * PieceSize);
                        var at = 0;
                        for (var i = 0; i < count; i++)
                        {
                            var (pointer, pieceLength) = Piece(table, i);
                            if (pieceLength > 0)
                            {
                                memory.GetSpan(pointer, pieceLength).CopyTo(buffer[at..]);
                                at += pieceLength;
                            }
                        }
                    });
                }
                catch (InvalidDataException e)
                {
                    return context.Fail(Abi.InvalidData, $"emit_batch: batch {context.OperationBatches + 1} is not a valid Arrow IPC stream: {e.Message}");
                }
                try
                {
                    if (!output.TryWrite(batch))
                    {
                        batch.Dispose();
                        context.ChannelWriteInterest = true;
                        return Abi.WouldBlock;
                    }
                }
                catch (ChannelFailedException e)
                {
                    batch.Dispose();
                    return context.Fail(Abi.Cancelled, e.Failure.Message);
                }
                context.OperationBatches++;
                context.OperationRows += batch.Rows;
                context.Metrics.AddBatch(batch.Rows, batch.Length);
                return 0L;
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "emit_batch", e);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "next_batch", (Caller caller) =>
        {
            var context = ImportContext.Of(caller);
            if (context.Operation != ConnectorOperation.Write || context.Input is not { } input)
            {
                return context.Fail(Abi.Denied, "next_batch is only valid during a write operation");
            }
            switch (input.TryRead(out var batch, out var failure))
            {
                case BatchReadStatus.Batch:
                    context.OperationBatches++;
                    context.OperationRows += batch!.Rows;
                    context.Metrics.AddBatch(batch.Rows, batch.Length);
                    context.Result.Set(batch);
                    return batch.Length;
                case BatchReadStatus.Empty:
                    context.ChannelReadInterest = true;
                    return Abi.WouldBlock;
                case BatchReadStatus.End:
                    return Abi.None;
                default:
                    return context.Fail(Abi.Cancelled, failure!.Message);
            }
        });

        linker.DefineFunction(Abi.ImportModule, "checkpoint", (Caller caller, int pointer, int length) =>
        {
            var context = ImportContext.Of(caller);
            try
            {
                if (!GuestMemory.TryReadString(context.Memory, pointer, length, out var payload))
                {
                    return ImportContext.BadPointer(context, "checkpoint", pointer, length);
                }
                if (!IsJson(payload))
                {
                    return context.Fail(Abi.InvalidData, "checkpoint: the payload is not JSON");
                }
                context.OnCheckpoint?.Invoke(new ConnectorCheckpoint(payload, context.OperationBatches, context.OperationRows));
                return 0L;
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "checkpoint", e);
            }
        });

        DefineSourceCheckpoint(linker);
    }

    /// <summary>A destination's question: which source checkpoint covers exactly the batches it took so far.</summary>
    private static void DefineSourceCheckpoint(Linker linker) =>
        linker.DefineFunction(Abi.ImportModule, "source_checkpoint", (Caller caller) =>
        {
            var context = ImportContext.Of(caller);
            if (context.Operation != ConnectorOperation.Write)
            {
                return context.Fail(Abi.Denied, "source_checkpoint is only valid during a write operation");
            }
            try
            {
                if (context.SourceCheckpoint?.Invoke(context.OperationBatches) is not { } payload)
                {
                    return Abi.None;
                }
                var bytes = System.Text.Encoding.UTF8.GetBytes(payload);
                context.Result.Set(bytes);
                return bytes.Length;
            }
            catch (Exception e)
            {
                return ImportContext.Unexpected(context, "source_checkpoint", e);
            }
        });

    private static bool IsJson(string payload)
    {
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(payload);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
