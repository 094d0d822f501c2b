namespace Rapidbyte.Engine.Connectors;

/// <summary>The connector registry refused a request or could not be reached; the message names it and says what was being done (never a key).</summary>
public sealed class ConnectorRegistryException(string message, Exception? inner = null, bool retryable = false) : Exception(message, inner)
{
    /// <summary>Whether trying again later may succeed (the registry was unreachable or busy).</summary>
    public bool Retryable { get; } = retryable;
}
