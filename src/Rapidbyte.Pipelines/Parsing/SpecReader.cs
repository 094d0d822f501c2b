using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>
/// Reads values out of a YAML tree for the spec, never stopping at the first problem: each
/// accessor records an error (with the node's line and column and the key path) and returns
/// null, so one pass reports everything wrong with a file.
/// </summary>
internal sealed class SpecReader(string file, Func<string, string?> environment)
{
    public List<SpecError> Errors { get; } = [];

    public void Error(YamlNode node, string path, string message) => Error(node.Start, path, message);

    public void Error(Mark at, string path, string message) => Errors.Add(new SpecError(file, at.Line, at.Column, path, message));

    /// <summary>The node as a mapping whose keys are all in <paramref name="allowedKeys"/>.</summary>
    public YamlMappingNode? Mapping(YamlNode? node, string path, IReadOnlyCollection<string> allowedKeys)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, "must be a mapping of keys to values");
            return null;
        }
        foreach (var key in mapping.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowedKeys.Contains(name))
            {
                Error(key, Join(path, name), $"unknown key '{name}'; expected one of: {string.Join(", ", allowedKeys)}");
            }
        }
        return mapping;
    }

    public static YamlNode? Get(YamlMappingNode? mapping, string key) =>
        mapping is not null && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>A string scalar, environment variables substituted; an error when required and missing.</summary>
    public string? String(YamlMappingNode? mapping, string key, string path, bool required = false)
    {
        var node = Get(mapping, key);
        var fullPath = Join(path, key);
        if (node is null)
        {
            if (required && mapping is not null)
            {
                Error(mapping, fullPath, "is required");
            }
            return null;
        }
        return Scalar(node, fullPath);
    }

    public string? Scalar(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, "must be a single value, not a mapping or a list");
            return null;
        }
        return Substitute(scalar, path);
    }

    /// <summary>One of the enum's values, written in snake_case (<c>full_refresh</c>).</summary>
    public T? Enum<T>(YamlMappingNode? mapping, string key, string path) where T : struct, Enum
    {
        var text = String(mapping, key, path);
        if (text is null)
        {
            return null;
        }
        var names = System.Enum.GetNames<T>().Select(SnakeCase).ToArray();
        var index = Array.IndexOf(names, text);
        if (index < 0)
        {
            Error(Get(mapping, key)!, Join(path, key), $"'{text}' is not one of {string.Join(", ", names)}");
            return null;
        }
        return System.Enum.GetValues<T>()[index];
    }

    public int? Int(YamlMappingNode? mapping, string key, string path, int minimum, int maximum)
    {
        var text = String(mapping, key, path);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            Error(Get(mapping, key)!, Join(path, key), $"'{text}' is not a whole number from {minimum} to {maximum}");
            return null;
        }
        return value;
    }

    public long? ByteSize(YamlMappingNode? mapping, string key, string path)
    {
        var text = String(mapping, key, path);
        if (text is null)
        {
            return null;
        }
        if (!Quantities.TryParseByteSize(text, out var bytes))
        {
            Error(Get(mapping, key)!, Join(path, key), $"'{text}' is not {Quantities.ByteSizeHelp}");
            return null;
        }
        return bytes;
    }

    public TimeSpan? Duration(YamlMappingNode? mapping, string key, string path)
    {
        var text = String(mapping, key, path);
        if (text is null)
        {
            return null;
        }
        if (!Quantities.TryParseDuration(text, out var duration))
        {
            Error(Get(mapping, key)!, Join(path, key), $"'{text}' is not {Quantities.DurationHelp}");
            return null;
        }
        return duration;
    }

    /// <summary>A list of strings (a single value counts as a list of one).</summary>
    public List<string>? StringList(YamlMappingNode? mapping, string key, string path)
    {
        var node = Get(mapping, key);
        var fullPath = Join(path, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode:
                return Scalar(node, fullPath) is { } single ? [single] : null;
            case YamlSequenceNode sequence:
                var values = new List<string>();
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (Scalar(sequence.Children[i], $"{fullPath}[{i}]") is { } value)
                    {
                        values.Add(value);
                    }
                }
                return values;
            default:
                Error(node, fullPath, "must be a list of values");
                return null;
        }
    }

    /// <summary>
    /// The <c>config</c> of a connector's section (<paramref name="section"/>, at key path
    /// <paramref name="path"/>) as JSON, with where each of its members is written: mappings
    /// become objects, lists arrays; a plain scalar is typed the way YAML reads it (number,
    /// true/false, null), a quoted one is a string. A value that came from an environment
    /// variable is always a string: a password of digits must not turn into a number
    /// (connectors accept numbers written as strings where they take numbers from variables).
    /// </summary>
    public (JsonElement Config, ConfigLocations Locations) Config(YamlMappingNode section, string path)
    {
        var configPath = Join(path, "config");
        var use = Get(section, "use") ?? section;
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
        JsonNode? json = new JsonObject();
        var key = section.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: "config" });
        if (key is not null)
        {
            json = ToJson(section.Children[key], configPath, "", Position(key.Start), entries);
        }
        else
        {
            entries[""] = new ConfigEntry(Position(section.Start), Position(section.Start), false);
        }
        // Through the node's own writer, not JsonSerializer: no serializer metadata to build
        // at every start of the tool.
        using var document = JsonDocument.Parse(json?.ToJsonString() ?? "null");
        return (document.RootElement.Clone(), new ConfigLocations(file, configPath, Position(use.Start), entries));
    }

    private static SpecPosition Position(Mark mark) => new(mark.Line, mark.Column);

    private JsonNode? ToJson(YamlNode node, string path, string pointer, SpecPosition key, Dictionary<string, ConfigEntry> entries)
    {
        var fromReference = node is YamlScalarNode { Value: { } written } && EnvironmentSubstitution.References(written).Any();
        entries[pointer] = new ConfigEntry(key, Position(node.Start), fromReference);
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (child, value) in mapping.Children)
                {
                    var name = (child as YamlScalarNode)?.Value ?? "";
                    obj[name] = ToJson(value, Join(path, name), $"{pointer}/{EscapePointer(name)}", Position(child.Start), entries);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var item = sequence.Children[i];
                    array.Add(ToJson(item, $"{path}[{i}]", $"{pointer}/{i}", Position(item.Start), entries));
                }
                return array;
            case YamlScalarNode scalar:
                var text = Substitute(scalar, path) ?? "";
                var typed = scalar.Style == ScalarStyle.Plain && !(scalar.Value ?? "").Contains("${", StringComparison.Ordinal);
                return typed ? PlainScalar(text) : JsonValue.Create(text);
            default:
                Error(node, path, "is not a value this spec understands (aliases and tags are not supported)");
                return null;
        }
    }

    // RFC 6901: '~' and '/' in a member name.
    private static string EscapePointer(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static JsonNode? PlainScalar(string text)
    {
        switch (text)
        {
            case "" or "~" or "null":
                return null;
            case "true":
                return JsonValue.Create(true);
            case "false":
                return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }
        return JsonValue.Create(text);
    }

    private string? Substitute(YamlScalarNode scalar, string path)
    {
        var text = scalar.Value ?? "";
        var value = EnvironmentSubstitution.Apply(text, environment, out var missing);
        foreach (var name in missing)
        {
            Error(scalar, path, $"environment variable {name} is not set");
        }
        return missing.Count == 0 ? value : null;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string SnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
