using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rapidbyte.Deployment.Tests.Arm;

/// <summary>
/// Evaluates the expressions of one compiled ARM template (main, or a module's nested template)
/// for given parameter values, as Azure would at deployment, so tests can check what each
/// <c>copy</c> instance really gets (ports, variables, secrets) rather than expression text.
/// Whatever only Azure knows (resource references, the tenant, generated names) stays a
/// <see cref="Deferred"/>. Functions it does not know fail the test instead of passing silently.
/// </summary>
public sealed class TemplateScope(JsonObject template, IReadOnlyDictionary<string, object?> parameters)
{
    private static readonly HashSet<string> DeploymentTimeFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "reference", "resourceId", "subscriptionResourceId", "extensionResourceId", "tenantResourceId",
        "tenant", "subscription", "resourceGroup", "environment", "deployment", "managementGroup",
        "uniqueString", "guid", "newGuid", "utcNow", "listKeys", "listCredentials", "listSecrets",
    };

    private readonly Dictionary<string, object?> _variables = new(StringComparer.OrdinalIgnoreCase);

    public JsonObject Template => template;

    /// <summary>The parameter values given (defaults are not in it).</summary>
    public IReadOnlyDictionary<string, object?> GivenParameters => parameters;

    /// <summary>A parameter's value: the one given, else its evaluated default.</summary>
    public object? Parameter(string name)
    {
        if (parameters.TryGetValue(name, out var value))
        {
            return value;
        }
        var definition = template["parameters"]?[name]?.AsObject()
            ?? throw new KeyNotFoundException($"the template has no parameter '{name}'");
        return definition.TryGetPropertyValue("defaultValue", out var node)
            ? Evaluate(node, Frame.Empty)
            : throw new InvalidOperationException($"parameter '{name}' has no default and no value was given");
    }

    public object? Variable(string name)
    {
        if (_variables.TryGetValue(name, out var known))
        {
            return known;
        }
        var variables = template["variables"]?.AsObject() ?? throw new KeyNotFoundException($"the template has no variable '{name}'");
        object? value;
        if (variables[name] is { } node)
        {
            value = Evaluate(node, Frame.Empty);
        }
        else if (variables["copy"]?.AsArray().FirstOrDefault(c => string.Equals((string?)c!["name"], name, StringComparison.OrdinalIgnoreCase)) is { } loop)
        {
            var count = ToLong(Evaluate(loop["count"], Frame.Empty));
            value = Enumerable.Range(0, (int)count).Select(i => Evaluate(loop["input"], Frame.Empty.WithCopy(name, i))).ToList();
        }
        else
        {
            throw new KeyNotFoundException($"the template has no variable '{name}'");
        }
        _variables[name] = value;
        return value;
    }

    /// <summary>Evaluates a template node: expressions in strings (and property names), recursively.</summary>
    public object? Evaluate(JsonNode? node, Frame frame) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => Text(EvaluateString(p.Key, frame)), p => Evaluate(p.Value, frame), StringComparer.OrdinalIgnoreCase),
        JsonArray a => a.Select(n => Evaluate(n, frame)).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => EvaluateString(s, frame),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v => v.GetValue<double>(),
        _ => throw new NotSupportedException(node.ToJsonString()),
    };

    private object? EvaluateString(string text, Frame frame)
    {
        if (text.StartsWith("[[", StringComparison.Ordinal))
        {
            return text[1..];
        }
        return text.StartsWith('[') && text.EndsWith(']') ? Evaluate(ArmExpression.Parse(text[1..^1]), frame) : text;
    }

    public object? Evaluate(ArmExpression expression, Frame frame)
    {
        switch (expression)
        {
            case ArmExpression.Literal literal:
                return literal.Value;
            case ArmExpression.Property property:
                var target = Evaluate(property.Target, frame);
                return target switch
                {
                    Deferred d => new Deferred($"{d}.{property.Name}"),
                    IDictionary<string, object?> o => o.TryGetValue(property.Name, out var v) ? v : throw new KeyNotFoundException($"no property '{property.Name}' in {Render(o)}"),
                    _ => throw new InvalidOperationException($"property '{property.Name}' of {Render(target)}"),
                };
            case ArmExpression.Index index:
                var collection = Evaluate(index.Target, frame);
                var key = Evaluate(index.Key, frame);
                return (collection, key) switch
                {
                    (Deferred, _) or (_, Deferred) => new Deferred($"{Render(collection)}[{Render(key)}]"),
                    (IList<object?> list, _) => list[(int)ToLong(key)],
                    (IDictionary<string, object?> o, string name) => o[name],
                    _ => throw new InvalidOperationException($"{Render(collection)}[{Render(key)}]"),
                };
            case ArmExpression.Call call:
                return Call(call, frame);
            default:
                throw new NotSupportedException(expression.ToString());
        }
    }

    private object? Call(ArmExpression.Call call, Frame frame)
    {
        var name = call.Function.ToLowerInvariant();
        switch (name)
        {
            case "if":
                var condition = Evaluate(call.Arguments[0], frame);
                return condition is Deferred
                    ? new Deferred($"if({Render(condition)}, ...)")
                    : Evaluate(call.Arguments[(bool)condition! ? 1 : 2], frame);
            case "lambda":
                var names = call.Arguments.SkipLast(1).Select(a => (string)Evaluate(a, frame)!).ToArray();
                return new Lambda(this, names, call.Arguments[^1], frame);
        }
        var args = call.Arguments.Select(a => Evaluate(a, frame)).ToList();
        if (DeploymentTimeFunctions.Contains(name))
        {
            return new Deferred($"{call.Function}({string.Join(", ", args.Select(Render))})");
        }
        switch (name)
        {
            case "parameters":
                return Parameter((string)args[0]!);
            case "variables":
                return Variable((string)args[0]!);
            case "copyindex":
                var loop = args.OfType<string>().FirstOrDefault() ?? "";
                return frame.Copies[loop] + args.OfType<long>().FirstOrDefault();
            case "lambdavariables":
                return frame.Lambdas[(string)args[0]!];
            case "createarray":
                return args;
            case "createobject":
                return Enumerable.Range(0, args.Count / 2).ToDictionary(i => (string)args[2 * i]!, i => args[2 * i + 1], StringComparer.OrdinalIgnoreCase);
            case "map":
                return ((IList<object?>)args[0]!).Select(item => ((Lambda)args[1]!).Apply(item)).ToList();
            case "filter":
                return ((IList<object?>)args[0]!).Where(item => (bool)((Lambda)args[1]!).Apply(item)!).ToList();
            case "true":
                return true;
            case "false":
                return false;
            case "null":
                return null;
        }
        if (args.Any(a => a is Deferred))
        {
            // A function of a value only Azure knows is one too; a format (string interpolation
            // in Bicep) keeps its literal text, with each unknown part as {expression}.
            return name switch
            {
                "concat" when args.All(a => a is IList<object?>) => args.SelectMany(a => (IList<object?>)a!).ToList(),
                "format" => new Deferred(string.Format(CultureInfo.InvariantCulture, (string)args[0]!, args.Skip(1).Select(a => a is Deferred d ? $"{{{d}}}" : a).ToArray())),
                _ => new Deferred($"{call.Function}({string.Join(", ", args.Select(Render))})"),
            };
        }
        return name switch
        {
            "concat" when args.All(a => a is IList<object?>) => args.SelectMany(a => (IList<object?>)a!).ToList(),
            "concat" => string.Concat(args.Select(Text)),
            "union" => args.Aggregate(new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase), (all, next) =>
            {
                foreach (var (k, v) in (IDictionary<string, object?>)next!)
                {
                    all[k] = v;
                }
                return all;
            }),
            "add" => ToLong(args[0]) + ToLong(args[1]),
            "sub" => ToLong(args[0]) - ToLong(args[1]),
            "range" => Enumerable.Range((int)ToLong(args[0]), (int)ToLong(args[1])).Select(i => (object?)(long)i).ToList(),
            "length" => args[0] switch
            {
                string s => s.Length,
                IList<object?> l => l.Count,
                IDictionary<string, object?> o => o.Count,
                var other => throw new InvalidOperationException($"length({Render(other)})"),
            },
            "equals" => Equals(args[0], args[1]),
            "not" => !(bool)args[0]!,
            "and" => args.All(a => (bool)a!),
            "or" => args.Any(a => (bool)a!),
            "empty" => args[0] switch
            {
                null => true,
                string s => s.Length == 0,
                IList<object?> l => l.Count == 0,
                IDictionary<string, object?> o => o.Count == 0,
                _ => false,
            },
            "string" => Text(args[0]),
            "format" => string.Format(CultureInfo.InvariantCulture, (string)args[0]!, args.Skip(1).ToArray()),
            "tolower" => ((string)args[0]!).ToLowerInvariant(),
            "toupper" => ((string)args[0]!).ToUpperInvariant(),
            "replace" => ((string)args[0]!).Replace((string)args[1]!, (string)args[2]!, StringComparison.Ordinal),
            "trim" => ((string)args[0]!).Trim(),
            "split" => ((string)args[0]!).Split((string)args[1]!).Select(s => (object?)s).ToList(),
            "json" => Plain(JsonNode.Parse((string)args[0]!)),
            _ => throw new NotSupportedException($"the deployment tests do not evaluate ARM function '{call.Function}': add it to {nameof(TemplateScope)}"),
        };
    }

    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value), StringComparer.OrdinalIgnoreCase),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v => v.GetValue<double>(),
        _ => throw new NotSupportedException(node.ToJsonString()),
    };

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        int i => i,
        string s => long.Parse(s, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"not an integer: {Render(value)}"),
    };

    /// <summary>A value as ARM's <c>string()</c> gives it.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "True" : "False",
        long or int or double => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        Deferred d => d.Expression,
        _ => JsonSerializer.Serialize(value),
    };

    /// <summary>A value as it would be written in an expression (strings quoted).</summary>
    public static string Render(object? value) => value switch
    {
        string s => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'",
        bool b => b ? "true()" : "false()",
        _ => Text(value),
    };

    /// <summary>Copy-loop indices and lambda variables in effect where an expression is evaluated.</summary>
    public sealed record Frame(ImmutableDictionary<string, long> Copies, ImmutableDictionary<string, object?> Lambdas)
    {
        public static Frame Empty { get; } = new(
            ImmutableDictionary.Create<string, long>(StringComparer.OrdinalIgnoreCase),
            ImmutableDictionary.Create<string, object?>(StringComparer.Ordinal));

        /// <summary>Inside instance <paramref name="index"/> of loop <paramref name="loop"/> (also the unnamed copyIndex()).</summary>
        public Frame WithCopy(string loop, long index) => this with { Copies = Copies.SetItem(loop, index).SetItem("", index) };

        public Frame WithLambda(string name, object? value) => this with { Lambdas = Lambdas.SetItem(name, value) };
    }

    private sealed record Lambda(TemplateScope Scope, string[] Names, ArmExpression Body, Frame Frame)
    {
        public object? Apply(object? value) => Scope.Evaluate(Body, Frame.WithLambda(Names[0], value));
    }
}
