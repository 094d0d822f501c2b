namespace Rapidbyte.Contracts;

/// <summary>The result of the <c>check</c> operation.</summary>
public sealed record CheckResult(bool Ok, string Message);
