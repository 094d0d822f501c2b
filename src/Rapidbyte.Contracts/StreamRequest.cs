namespace Rapidbyte.Contracts;

/// <summary>One stream (a table) as a pipeline asks a connector to read or write it.</summary>
/// <param name="Cursor">The last checkpointed cursor, as JSON the connector wrote, if any.</param>
/// <param name="Marker">Destination: keep this stream's commit marker, in the same transaction as the rows.</param>
/// <param name="NativeEncoding">
/// A native encoding both connectors support (<see cref="ConnectorSpec.NativeEncodings"/>), in which the source may
/// carry columns instead of the Arrow mapping; null: the Arrow mapping only.
/// </param>
/// <param name="Parallelism">
/// Source, full refresh of a table: read it with at most this many connections sharing one snapshot, each a range
/// of the table's pages. Destination: write with at most this many connections where the write mode allows, the
/// rows still committed as one. Null or 1: one connection.
/// </param>
public sealed record StreamRequest(
    string Name,
    SyncMode SyncMode = SyncMode.FullRefresh,
    IReadOnlyList<string>? Columns = null,
    string? CursorField = null,
    string? Cursor = null,
    WriteMode? WriteMode = null,
    IReadOnlyList<string>? PrimaryKey = null,
    BatchLimits? Limits = null,
    MarkerKey? Marker = null,
    string? NativeEncoding = null,
    int? Parallelism = null);
