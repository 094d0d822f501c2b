namespace Rapidbyte.Grains.Api;

/// <summary>One connector's check of a registered pipeline, made on a silo with its variables.</summary>
/// <param name="Part">source or destination.</param>
/// <param name="Connector">The connector (<c>source-postgres</c>).</param>
/// <param name="Ok">Whether it can be used as configured.</param>
/// <param name="Message">What it found, in the connector's words (never a secret).</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.connector-check")]
public sealed record ConnectorCheck(string Part, string Connector, bool Ok, string Message);
