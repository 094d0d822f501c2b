using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Rapidbyte.Contracts;

/// <summary>
/// JSON settings of the connector contract: records cross the wasm boundary as JSON with
/// snake_case members and snake_case enum strings (wit/LOWERING.md).
/// </summary>
public static class ContractJson
{
    /// <summary>The serializer options every contract value is read and written with.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        // Generated code for the contract records; reflection for anything else (a CLI's
        // one-off JSON output).
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ContractJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}
