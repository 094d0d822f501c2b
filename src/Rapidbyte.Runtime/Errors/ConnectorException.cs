using Rapidbyte.Contracts;

namespace Rapidbyte.Runtime.Errors;

/// <summary>
/// A connector operation failed: either the connector reported <see cref="Error"/> itself, or
/// the host caught a <see cref="Fault"/> (trap, limit, protocol violation) and described it.
/// </summary>
public sealed class ConnectorException : Exception
{
    public ConnectorException(string connector, ConnectorError error, ConnectorFault fault = ConnectorFault.None, Exception? inner = null)
        : base($"{connector}: {error.Message}", inner)
    {
        Connector = connector;
        Error = error;
        Fault = fault;
    }

    /// <summary>The connector's name, as the module was loaded.</summary>
    public string Connector { get; }

    /// <summary>The failure in the contract's terms (category, message, retryable).</summary>
    public ConnectorError Error { get; }

    /// <summary>What the host caught, or <see cref="ConnectorFault.None"/> if the connector reported it.</summary>
    public ConnectorFault Fault { get; }

    internal static ConnectorException ForFault(string connector, ConnectorFault fault, string message, Exception? inner = null) =>
        new(connector, new ConnectorError(ErrorCategory.Internal, message), fault, inner);
}
