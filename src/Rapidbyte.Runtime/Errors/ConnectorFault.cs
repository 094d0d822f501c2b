namespace Rapidbyte.Runtime.Errors;

/// <summary>
/// How a connector run ended abnormally. <see cref="None"/> means the connector itself
/// reported the failure; every other value is something the host caught, after which the
/// instance is dead and only that run fails.
/// </summary>
public enum ConnectorFault
{
    /// <summary>The connector reported an error through the contract.</summary>
    None,
    /// <summary>The guest trapped (unreachable, out-of-bounds access, stack overflow...).</summary>
    Trap,
    /// <summary>The guest panicked; the message is the panic's.</summary>
    Panic,
    /// <summary>A slice ran past the CPU limit without returning to the host.</summary>
    CpuLimit,
    /// <summary>The guest tried to grow its memory past the limit.</summary>
    MemoryLimit,
    /// <summary>The guest broke the poll protocol (bad status, PENDING with nothing to wait for).</summary>
    ProtocolViolation,
    /// <summary>The module does not implement the contract (missing exports, forbidden imports, other protocol version).</summary>
    InvalidModule,
}
