namespace Rapidbyte.Contracts;

/// <summary>Who a connector is and what it supports (the <c>spec</c> operation's result).</summary>
public sealed record ConnectorSpec(
    string Name,
    string Version,
    int ProtocolVersion,
    string ConfigSchema,
    IReadOnlyList<SyncMode> SupportedSyncModes,
    IReadOnlyList<WriteMode> SupportedWriteModes);
