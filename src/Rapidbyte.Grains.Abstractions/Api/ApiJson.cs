using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Rapidbyte.Grains.Api;

/// <summary>
/// How the HTTP API writes and reads its bodies, on both sides (the service and the client
/// SDK): snake_case names and enum values (<c>run_id</c>, <c>"succeeded"</c>), as the CLI's
/// <c>--json</c> does.
/// </summary>
public static class ApiJson
{
    /// <summary>The options of every body of the API.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            // Dictionary keys are data (a variable's name), never renamed.
            // A cursor like 2024-05-18 21:20:00+00 stays readable; bodies are JSON, never HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // Generated code for the API's bodies; reflection for anything else (problem details).
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(ApiJsonContext.Default, new DefaultJsonTypeInfoResolver());
        options.MakeReadOnly();
        return options;
    }
}
