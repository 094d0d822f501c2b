namespace Rapidbyte.Contracts;

/// <summary>A failure as the connector contract describes it (wit: <c>connector-error</c>).</summary>
/// <param name="Category">What kind of failure it is.</param>
/// <param name="Message">What happened, in words a user can act on.</param>
/// <param name="Retryable">Whether running the same operation again may succeed.</param>
public sealed record ConnectorError(ErrorCategory Category, string Message, bool Retryable = false);
