using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>
/// What one pipeline document may cost to read. Pipeline text arrives from other services
/// (registration), so a hostile document must be refused before it is loaded: a huge one, one
/// nested deeper than any pipeline needs (the loader recurses, and a deep enough document
/// would overflow the stack), or one whose aliases expand into millions of nodes (a "billion
/// laughs"). The check streams the parser's events once, keeping only a stack as deep as the
/// limit allows, so it is fast and its memory small whatever the input.
/// </summary>
public static class DocumentLimits
{
    /// <summary>Characters in a document at most (a pipeline is a few kilobytes).</summary>
    public const int MaxCharacters = 1024 * 1024;

    /// <summary>Mappings and lists nested in each other at most.</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes (values, mappings, lists) at most, each alias counted as the nodes it stands for.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>The first limit the document breaks, with where; null when it keeps to all of them (or does not parse: the loader reports that).</summary>
    public static (Mark At, string Message)? Check(string yaml)
    {
        if (yaml.Length > MaxCharacters)
        {
            return (Mark.Empty, TooLarge(yaml.Length));
        }
        var parser = new Parser(new StringReader(yaml));
        // Nodes counted so far, and for each open collection the count when it opened and its
        // anchor: an anchor's size is known when its collection closes.
        long nodes = 0;
        var open = new Stack<(long NodesBefore, AnchorName Anchor)>();
        var anchors = new Dictionary<AnchorName, long>();
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case Scalar scalar:
                        nodes++;
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchors[scalar.Anchor] = 1;
                        }
                        break;
                    case NodeEvent { } start and (MappingStart or SequenceStart):
                        if (open.Count == MaxDepth)
                        {
                            return (start.Start, $"the document nests mappings and lists more than {MaxDepth} deep; a pipeline needs a handful of levels");
                        }
                        open.Push((nodes, start.Anchor));
                        nodes++;
                        break;
                    case MappingEnd or SequenceEnd:
                        var (before, anchor) = open.Pop();
                        if (!anchor.IsEmpty)
                        {
                            anchors[anchor] = nodes - before;
                        }
                        break;
                    case AnchorAlias alias:
                        // An alias of an anchor still open (a recursive alias) counts as one node; the loader refuses it.
                        nodes += anchors.GetValueOrDefault(alias.Value, 1);
                        break;
                }
                if (nodes > MaxNodes)
                {
                    return (parser.Current!.Start, string.Create(CultureInfo.InvariantCulture, $"the document stands for more than {MaxNodes:N0} values once its aliases are expanded; a pipeline needs a few hundred"));
                }
            }
        }
        catch (YamlException)
        {
            // Not valid YAML: the loader says where and why.
        }
        catch (InvalidOperationException)
        {
            // Also not valid YAML (see PipelineSpecParser.LoadDocument).
        }
        return null;
    }

    /// <summary>The message for a document of <paramref name="length"/> characters (or bytes), over the limit.</summary>
    public static string TooLarge(long length) =>
        string.Create(CultureInfo.InvariantCulture, $"the document is {length:N0} characters long; a pipeline may be at most {MaxCharacters:N0}");
}
