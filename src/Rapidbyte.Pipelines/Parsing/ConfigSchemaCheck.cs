using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>
/// Checks a connector's config against the JSON Schema (draft-07) the connector publishes in
/// its spec (<c>config-schema</c>), reporting each problem at the key (an unknown or missing
/// key) or the value (a wrong type, a value outside an enum) in the pipeline file. No message
/// quotes a config value: any may be a secret or come from a <c>${NAME}</c> reference.
/// </summary>
public static class ConfigSchemaCheck
{
    private static readonly EvaluationOptions ListOutput = new() { OutputFormat = OutputFormat.List };

    // The contract's dialect (wit/connector.wit: config-schema is draft-07), whatever "$schema"
    // says or omits: it allows keywords of the connector's own, such as "secret".
    private static readonly BuildOptions Draft07 = new() { Dialect = Dialect.Draft07 };

    // By schema text: every connector publishes one, and checks happen at every run.
    private static readonly ConcurrentDictionary<string, (JsonSchema Schema, JsonNode? Document)> Schemas = new(StringComparer.Ordinal);

    /// <summary>The problems of <paramref name="config"/> under <paramref name="configSchema"/>; empty when it conforms.</summary>
    /// <param name="connector">The connector's name, as the pipeline uses it (named in the messages).</param>
    /// <param name="referencesResolved">
    /// False where <c>${NAME}</c> references stand for themselves (a registration, whose values are read
    /// only when a run starts): their values are not checked, only that their keys are known.
    /// </param>
    /// <exception cref="FormatException">The connector's schema is not a JSON Schema.</exception>
    public static IReadOnlyList<SpecError> Check(string connector, string configSchema, JsonElement config, ConfigLocations locations, bool referencesResolved)
    {
        var (schema, document) = Parse(configSchema);
        var results = schema.Evaluate(config, ListOutput);
        if (results.IsValid)
        {
            return [];
        }
        var errors = new List<SpecError>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null || detail.Errors.Count == 0)
            {
                continue;
            }
            var evaluationPath = Segments(detail.EvaluationPath.ToString());
            // A failed "if" only chooses which "then" applies; it is no problem of the config.
            if (evaluationPath.Contains("if"))
            {
                continue;
            }
            var instance = detail.InstanceLocation.ToString();
            var entry = locations.At(instance);
            foreach (var keyword in detail.Errors.Keys)
            {
                var unknownKey = keyword.Length == 0 && evaluationPath.Count > 0 && evaluationPath[^1] == "additionalProperties";
                if (!referencesResolved && entry.FromReference && !unknownKey)
                {
                    continue; // the value is not known yet; its key is
                }
                if (Describe(connector, keyword, evaluationPath, instance, config, document, entry, locations) is { } error)
                {
                    errors.Add(error);
                }
            }
        }
        return errors.Distinct().OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
    }

    private static SpecError? Describe(string connector, string keyword, List<string> evaluationPath, string instance,
        JsonElement config, JsonNode? document, ConfigEntry entry, ConfigLocations locations)
    {
        var path = KeyPath(locations.Path, instance);
        var key = Segments(instance) is { Count: > 0 } segments ? segments[^1] : "config";
        var subschema = Resolve(document, evaluationPath);
        SpecError At(SpecPosition position, string message) => new(locations.File, position.Line, position.Column, path, message);
        switch (keyword)
        {
            case "" when evaluationPath.Count > 0 && evaluationPath[^1] == "additionalProperties":
            {
                // The false schema under additionalProperties: a key its object does not take.
                var accepted = Names(Resolve(document, evaluationPath[..^1])?["properties"] as JsonObject);
                var suggestion = accepted.MinBy(a => Distance(a, key));
                var near = suggestion is not null && Distance(suggestion, key) <= Math.Max(1, key.Length / 3) ? $"; did you mean '{suggestion}'?" : "";
                return At(entry.Key, $"unknown key '{key}' ({connector} accepts: {string.Join(", ", accepted)}){near}");
            }
            case "required":
            {
                var required = (subschema?["required"] as JsonArray)?.Select(r => r?.GetValue<string>() ?? "").ToList() ?? [];
                var present = Member(config, instance) is { ValueKind: JsonValueKind.Object } obj
                    ? obj.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                    : [];
                var missing = required.Where(r => !present.Contains(r)).ToList();
                return At(entry.Key, $"missing required key{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.Select(m => $"'{m}'"))} ({connector} requires: {string.Join(", ", required)})");
            }
            case "type":
            {
                var expected = subschema?["type"] switch
                {
                    JsonArray types => string.Join(" or ", types.Select(t => Article(t?.GetValue<string>() ?? ""))),
                    JsonValue type => Article(type.GetValue<string>()),
                    _ => "another type",
                };
                var actual = Member(config, instance) is { } value ? KindName(value.ValueKind) : "nothing";
                var hint = entry.FromReference && actual == "a string"
                    ? " (a value from a ${NAME} reference is always a string)"
                    : actual == "a number" || actual == "true or false" ? " (quote it to make it a string)" : "";
                return At(entry.Value, $"'{key}' must be {expected}, not {actual}{hint}");
            }
            case "enum":
                return At(entry.Value, $"'{key}' must be one of: {string.Join(", ", (subschema?["enum"] as JsonArray ?? []).Select(v => v?.ToJsonString()))}");
            case "const":
                return At(entry.Value, $"'{key}' must be {subschema?["const"]?.ToJsonString()}");
            case "pattern" when (subschema?["description"] is JsonValue description):
                // The pattern says it to a machine; the description to a person.
                return At(entry.Value, $"'{key}' is not in a form {connector} takes: {description.GetValue<string>()}");
            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "minLength" or "maxLength" or "pattern":
                return At(entry.Value, $"'{key}' must {Bound(keyword, subschema?[keyword])}");
            default:
                // A keyword these messages do not word: named, the value not quoted.
                return At(entry.Value, $"'{key}' does not satisfy {connector}'s config schema ('{keyword}' at {string.Join("/", evaluationPath)})");
        }
    }

    private static string Bound(string keyword, JsonNode? limit) => keyword switch
    {
        "minimum" => $"be at least {limit?.ToJsonString()}",
        "maximum" => $"be at most {limit?.ToJsonString()}",
        "exclusiveMinimum" => $"be more than {limit?.ToJsonString()}",
        "exclusiveMaximum" => $"be less than {limit?.ToJsonString()}",
        "minLength" => $"be at least {limit?.ToJsonString()} characters long",
        "maxLength" => $"be at most {limit?.ToJsonString()} characters long",
        _ => $"match the pattern {(limit as JsonValue)?.GetValue<string>()}",
    };

    private static string Article(string type) => type switch
    {
        "integer" => "an integer",
        "object" => "a mapping",
        "array" => "a list",
        "boolean" => "true or false",
        "null" => "empty",
        _ => $"a {type}",
    };

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "a mapping",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => "empty",
    };

    private static List<string> Names(JsonObject? properties) => properties?.Select(p => p.Key).ToList() ?? [];

    private static (JsonSchema Schema, JsonNode? Document) Parse(string configSchema) => Schemas.GetOrAdd(configSchema, text =>
    {
        try
        {
            return (JsonSchema.FromText(text, Draft07), JsonNode.Parse(text));
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException)
        {
            throw new FormatException($"the connector's config schema is not valid JSON Schema: {e.Message}", e);
        }
    });

    private static JsonNode? Resolve(JsonNode? node, IEnumerable<string> segments)
    {
        foreach (var segment in segments)
        {
            node = node switch
            {
                JsonObject obj => obj[segment],
                JsonArray array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count => array[index],
                _ => null,
            };
        }
        return node;
    }

    private static JsonElement? Member(JsonElement config, string pointer)
    {
        var current = config;
        foreach (var segment in Segments(pointer))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }
        return current;
    }

    // "/a/b~1c" -> ["a", "b/c"] (RFC 6901).
    private static List<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : pointer.TrimStart('#')[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();

    private static string KeyPath(string configPath, string pointer)
    {
        var path = configPath;
        foreach (var segment in Segments(pointer))
        {
            path = int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"{path}[{segment}]" : SpecReader.Join(path, segment);
        }
        return path;
    }

    // Edits from one name to the other (insert, delete, replace, swap two neighbours: the
    // optimal string alignment distance), for "did you mean".
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
