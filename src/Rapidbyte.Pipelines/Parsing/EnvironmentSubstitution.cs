using System.Text.RegularExpressions;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>
/// Replaces <c>${NAME}</c> with the environment variable's value (<c>$${</c> stands for a
/// literal <c>${</c>). This is how secrets reach a pipeline: the file names the variable,
/// never the value.
/// </summary>
public static partial class EnvironmentSubstitution
{
    [GeneratedRegex(@"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Reference();

    /// <summary>Each <c>${NAME}</c> reference in <paramref name="text"/> (not the escaped <c>$${</c>), with where it starts.</summary>
    public static IEnumerable<(string Name, int Index)> References(string text)
    {
        foreach (Match match in Reference().Matches(text))
        {
            if (match.Groups[1].Success)
            {
                yield return (match.Groups[1].Value, match.Index);
            }
        }
    }

    /// <returns>The text with every reference replaced; <paramref name="missing"/> names the unset variables.</returns>
    public static string Apply(string text, Func<string, string?> environment, out IReadOnlyList<string> missing)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            missing = [];
            return text;
        }
        var unset = new List<string>();
        var result = Reference().Replace(text, match =>
        {
            if (!match.Groups[1].Success)
            {
                return "${";
            }
            var name = match.Groups[1].Value;
            var value = environment(name);
            if (value is null)
            {
                unset.Add(name);
                return string.Empty;
            }
            return value;
        });
        missing = unset;
        return result;
    }
}
