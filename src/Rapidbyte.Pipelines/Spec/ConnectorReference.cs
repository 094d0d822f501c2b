using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Rapidbyte.Pipelines.Spec;

/// <summary>
/// How a pipeline names a connector (<c>use:</c>): <c>name</c> (the newest version published),
/// <c>name@version</c>, or <c>name@sha256:&lt;64 hex digits&gt;</c> (exactly those bytes). A
/// registered pipeline is pinned to the digest its reference resolved to when it was registered.
/// </summary>
/// <param name="Name">The connector's name, e.g. <c>source-postgres</c>.</param>
/// <param name="Version">The version asked for, if any.</param>
/// <param name="Digest">The module's SHA-256 asked for (64 lower-case hex digits, no prefix), if any.</param>
public sealed partial record ConnectorReference(string Name, string? Version = null, string? Digest = null)
{
    /// <summary>The prefix of a digest in a reference.</summary>
    public const string DigestPrefix = "sha256:";

    /// <summary>What a reference looks like, for messages.</summary>
    public const string Forms = "name, name@version or name@sha256:<64 hex digits>";

    /// <summary>A reference to exactly the module <paramref name="digest"/> of connector <paramref name="name"/>.</summary>
    public static ConnectorReference Pinned(string name, string digest) => new(name, null, digest.ToLowerInvariant());

    /// <summary>Reads <paramref name="text"/>, or says why it is not a reference.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ConnectorReference? reference, [NotNullWhen(false)] out string? problem)
    {
        reference = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? text : text[..at];
        if (!NamePattern().IsMatch(name))
        {
            problem = $"'{name}' is not a connector name (lower-case letters, digits, '-' and '_', starting with a letter); write {Forms}";
            return false;
        }
        if (at < 0)
        {
            reference = new ConnectorReference(name);
            problem = null;
            return true;
        }
        var rest = text[(at + 1)..];
        if (rest.StartsWith(DigestPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var digest = rest[DigestPrefix.Length..];
            if (!DigestPattern().IsMatch(digest))
            {
                problem = $"'{rest}' is not a SHA-256 digest: write sha256: and the 64 hex digits of the module's SHA-256";
                return false;
            }
            reference = Pinned(name, digest);
            problem = null;
            return true;
        }
        if (!VersionPattern().IsMatch(rest))
        {
            problem = $"'{rest}' is not a version (digits, letters, '.', '-' and '+', e.g. 1.2.0); write {Forms}";
            return false;
        }
        reference = new ConnectorReference(name, rest);
        problem = null;
        return true;
    }

    /// <summary>Reads <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">It is not a reference.</exception>
    public static ConnectorReference Parse(string text) =>
        TryParse(text, out var reference, out var problem) ? reference : throw new FormatException($"connector '{text}': {problem}");

    /// <summary>Whether <paramref name="text"/> is a connector's name.</summary>
    public static bool IsName(string text) => NamePattern().IsMatch(text);

    /// <summary>Whether <paramref name="text"/> is a version a connector may be published as.</summary>
    public static bool IsVersion(string text) => VersionPattern().IsMatch(text);

    /// <summary>The reference as a pipeline writes it.</summary>
    public override string ToString() =>
        Digest is not null ? $"{Name}@{DigestPrefix}{Digest}" : Version is not null ? $"{Name}@{Version}" : Name;

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$")]
    private static partial Regex VersionPattern();
}
