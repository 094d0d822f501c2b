using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rapidbyte.Client;

/// <summary>An error answer of the API (RFC 9457 problem details).</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Title">What kind of problem (<c>pipeline not found</c>).</param>
/// <param name="Detail">What happened, in the service's words.</param>
/// <param name="Errors">For a refused pipeline: each problem as <c>file:line:column key.path: message</c>.</param>
/// <param name="RunId">For a conflict: the run that is going.</param>
/// <param name="TraceId">The request's trace id, to find it in the service's logs.</param>
public sealed record RapidbyteProblem(
    int Status,
    string? Title,
    string? Detail,
    IReadOnlyList<string>? Errors = null,
    string? RunId = null,
    string? TraceId = null)
{
    /// <summary>The problem in one line: its detail, else its title, else its status.</summary>
    public override string ToString() => Detail ?? Title ?? $"HTTP {Status}";
}

/// <summary>Generated reading of a problem body (snake_case, as the API writes it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RapidbyteProblem))]
internal sealed partial class ProblemJson : JsonSerializerContext;
