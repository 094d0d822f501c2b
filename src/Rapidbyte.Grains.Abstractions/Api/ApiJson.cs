using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Rapidbyte.Grains.Runs;

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

    /// <summary>
    /// The metadata <see cref="Options"/> has for <typeparamref name="T"/>: generated for the
    /// API's bodies, so a client compiled ahead of time (the CLI's native launcher) reads and
    /// writes them without reflection.
    /// </summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            // Dictionary keys are data (a variable's name), never renamed.
            // A cursor like 2024-05-18 21:20:00+00 stays readable; bodies are JSON, never HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        // The enums of the API's bodies, one generated converter each.
        options.Converters.Add(new JsonStringEnumConverter<RunStatus>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<RunTrigger>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // Generated code for the API's bodies; reflection for anything else where the process allows it.
        options.TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault
            ? JsonTypeInfoResolver.Combine(ApiJsonContext.Default, new DefaultJsonTypeInfoResolver())
            : ApiJsonContext.Default;
        options.MakeReadOnly();
        return options;
    }
}
