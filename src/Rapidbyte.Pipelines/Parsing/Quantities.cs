using System.Globalization;
using System.Text.RegularExpressions;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>Sizes (<c>8MiB</c>, <c>64MB</c>, <c>1048576</c>) and durations (<c>500ms</c>, <c>10s</c>, <c>2m</c>) as people write them.</summary>
internal static partial class Quantities
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")]
    private static partial Regex NumberAndUnit();

    private static readonly Dictionary<string, long> ByteUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        [""] = 1, ["b"] = 1,
        ["kb"] = 1000, ["mb"] = 1000 * 1000, ["gb"] = 1000L * 1000 * 1000,
        ["kib"] = 1024, ["mib"] = 1024 * 1024, ["gib"] = 1024L * 1024 * 1024,
    };

    private static readonly Dictionary<string, double> SecondUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ms"] = 0.001, ["s"] = 1, ["m"] = 60, ["h"] = 3600,
    };

    public const string ByteSizeHelp = "a size such as 8MiB, 64MB or 1048576";
    public const string DurationHelp = "a duration such as 500ms, 10s, 2m or 1h";

    public static bool TryParseByteSize(string text, out long bytes)
    {
        bytes = 0;
        var match = NumberAndUnit().Match(text);
        if (!match.Success || !ByteUnits.TryGetValue(match.Groups[2].Value, out var unit))
        {
            return false;
        }
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * unit;
        if (value is < 1 or > long.MaxValue)
        {
            return false;
        }
        bytes = (long)value;
        return true;
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var match = NumberAndUnit().Match(text);
        if (!match.Success || !SecondUnits.TryGetValue(match.Groups[2].Value, out var unit))
        {
            return false;
        }
        var seconds = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * unit;
        if (seconds <= 0 || seconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
