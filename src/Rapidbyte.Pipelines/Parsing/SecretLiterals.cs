using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>
/// Finds secrets written into a pipeline as literal values: a value under a secret-looking key
/// (<c>password</c>, <c>secret</c>, <c>token</c>, <c>*_key</c>, ...) or a connection string
/// with a password, that is not made of <c>${NAME}</c> references alone. What may be stored
/// of a pipeline depends on it: a literal secret never reaches state.
/// </summary>
public static partial class SecretLiterals
{
    [GeneratedRegex(@"(^|[_-])(password|passwd|pwd|secret|token|key)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretKey();

    [GeneratedRegex(@"^(\$\{[A-Za-z_][A-Za-z0-9_]*\})+$")]
    private static partial Regex ReferencesOnly();

    [GeneratedRegex(@"(^|;)\s*(password|pwd)\s*=\s*(?!\$\{)[^;]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringPassword();

    /// <summary>The key paths (<c>source.config.password</c>) holding a literal secret; empty when there are none or the YAML does not parse.</summary>
    public static IReadOnlyList<string> Find(string yaml)
    {
        if (DocumentLimits.Check(yaml) is not null)
        {
            return []; // not a pipeline: refused by the parser before anything looks for secrets
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return [];
        }
        var found = new List<string>();
        foreach (var document in stream.Documents)
        {
            Walk(document.RootNode, "", found);
        }
        return found;
    }

    private static void Walk(YamlNode node, string path, List<string> found)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = (key as YamlScalarNode)?.Value ?? "";
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    if (value is YamlScalarNode { Value: { Length: > 0 } text } && IsLiteralSecret(name, text))
                    {
                        found.Add(child);
                    }
                    Walk(value, child, found);
                }
                break;
            case YamlSequenceNode sequence:
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    Walk(item, $"{path}[{index++}]", found);
                }
                break;
        }
    }

    private static bool IsLiteralSecret(string key, string value) =>
        (SecretKey().IsMatch(key) && key != "primary_key" && !ReferencesOnly().IsMatch(value.Trim()))
        || ConnectionStringPassword().IsMatch(value);
}
