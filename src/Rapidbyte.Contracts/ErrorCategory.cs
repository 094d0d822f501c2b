namespace Rapidbyte.Contracts;

/// <summary>
/// What kind of failure a connector reports. The category decides what the engine does
/// next: a retryable failure is retried with backoff, anything else fails the stream at
/// once with the connector's message.
/// </summary>
public enum ErrorCategory
{
    /// <summary>The pipeline's configuration is wrong (bad option, missing table, host not allowed).</summary>
    Config,
    /// <summary>The server refused the credentials.</summary>
    Auth,
    /// <summary>The server could not be reached or the connection broke.</summary>
    Network,
    /// <summary>A value could not be read, converted or written.</summary>
    Data,
    /// <summary>Source and destination schemas are incompatible.</summary>
    Schema,
    /// <summary>A bug or a fault in the connector or the host (trap, limit, protocol violation).</summary>
    Internal,
}
