namespace Rapidbyte.Grains.Api;

/// <summary>The body of a request to run a registered pipeline now.</summary>
/// <param name="Streams">The streams to run; null or empty runs them all.</param>
public sealed record TriggerRequest(IReadOnlyList<string>? Streams = null);
