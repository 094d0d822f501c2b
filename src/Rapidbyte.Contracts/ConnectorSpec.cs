namespace Rapidbyte.Contracts;

/// <summary>Who a connector is and what it supports (the <c>spec</c> operation's result).</summary>
/// <param name="CommitMarkers">Whether <c>write</c> keeps the commit marker a stream request asks for, and <c>committed</c> reads it back.</param>
public sealed record ConnectorSpec(
    string Name,
    string Version,
    int ProtocolVersion,
    string ConfigSchema,
    IReadOnlyList<SyncMode> SupportedSyncModes,
    IReadOnlyList<WriteMode> SupportedWriteModes,
    bool CommitMarkers = false);
