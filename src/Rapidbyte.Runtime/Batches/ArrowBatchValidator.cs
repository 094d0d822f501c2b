using Apache.Arrow.Ipc;

namespace Rapidbyte.Runtime.Batches;

/// <summary>
/// Checks that bytes a connector emitted are one Arrow IPC stream holding exactly one record
/// batch, by reading its schema and batch headers with Apache.Arrow (zero-copy). A malformed
/// batch fails the connector that emitted it, not the one that would have read it.
/// </summary>
internal static class ArrowBatchValidator
{
    /// <exception cref="InvalidDataException">Not one well-formed IPC stream with one record batch.</exception>
    public static int CountRows(ReadOnlyMemory<byte> ipc)
    {
        try
        {
            using var reader = new ArrowStreamReader(ipc);
            using var batch = reader.ReadNextRecordBatch()
                ?? throw new InvalidDataException("the IPC stream holds a schema but no record batch");
            using var extra = reader.ReadNextRecordBatch();
            if (extra is not null)
            {
                throw new InvalidDataException("the IPC stream holds more than one record batch");
            }
            for (var i = 0; i < batch.ColumnCount; i++)
            {
                if (batch.Column(i).Length != batch.Length)
                {
                    throw new InvalidDataException(
                        $"column '{batch.Schema.GetFieldByIndex(i).Name}' has {batch.Column(i).Length} values in a batch of {batch.Length} rows");
                }
            }
            return batch.Length;
        }
        catch (InvalidDataException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Apache.Arrow reports malformed input with assorted exception types.
            throw new InvalidDataException($"malformed Arrow IPC: {e.Message}", e);
        }
    }
}
