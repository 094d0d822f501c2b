namespace Rapidbyte.Contracts;

/// <summary>Who a connector is and what it supports (the <c>spec</c> operation's result).</summary>
/// <param name="CommitMarkers">Whether <c>write</c> keeps the commit marker a stream request asks for, and <c>committed</c> reads it back.</param>
/// <param name="NativeEncodings">
/// Encodings the connector carries column values in besides the Arrow mapping, most preferred first
/// (e.g. <c>postgresql-binary</c>); see <see cref="Shared"/>.
/// </param>
public sealed record ConnectorSpec(
    string Name,
    string Version,
    int ProtocolVersion,
    string ConfigSchema,
    IReadOnlyList<SyncMode> SupportedSyncModes,
    IReadOnlyList<WriteMode> SupportedWriteModes,
    bool CommitMarkers = false,
    IReadOnlyList<string>? NativeEncodings = null)
{
    /// <summary>
    /// The native encoding a <paramref name="source"/> and a <paramref name="destination"/> agree on: the
    /// first of the source's that the destination takes too, or null (the Arrow mapping only).
    /// </summary>
    public static string? Shared(ConnectorSpec source, ConnectorSpec destination) =>
        source.NativeEncodings?.FirstOrDefault(encoding => destination.NativeEncodings?.Contains(encoding, StringComparer.Ordinal) == true);
}
