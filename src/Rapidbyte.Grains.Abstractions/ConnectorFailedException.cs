namespace Rapidbyte.Grains;

/// <summary>A connector called for a pipeline (discover) failed; the message says why, in the connector's words, never with a secret.</summary>
[GenerateSerializer, Alias("rapidbyte.connector-failed")]
public sealed class ConnectorFailedException(string message) : Exception(message);
