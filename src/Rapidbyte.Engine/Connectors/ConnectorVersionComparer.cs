using System.Globalization;

namespace Rapidbyte.Engine.Connectors;

/// <summary>
/// Orders connector versions as semantic versions: numeric parts as numbers (1.10.0 after
/// 1.9.0), a pre-release (1.0.0-beta) before its release, build metadata (+...) ignored;
/// parts that are not numbers compare as text.
/// </summary>
public sealed class ConnectorVersionComparer : IComparer<string>
{
    /// <summary>The one instance.</summary>
    public static ConnectorVersionComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        var (releaseX, preX) = Split(x);
        var (releaseY, preY) = Split(y);
        var order = CompareParts(releaseX, releaseY);
        if (order != 0)
        {
            return order;
        }
        // A release comes after its pre-releases.
        if (preX is null || preY is null)
        {
            return preX is null ? (preY is null ? 0 : 1) : -1;
        }
        return CompareParts(preX, preY);
    }

    private static (string Release, string? PreRelease) Split(string version)
    {
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        var core = plus < 0 ? version : version[..plus];
        var dash = core.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? (core, null) : (core[..dash], core[(dash + 1)..]);
    }

    private static int CompareParts(string x, string y)
    {
        var partsX = x.Split('.');
        var partsY = y.Split('.');
        for (var i = 0; i < Math.Max(partsX.Length, partsY.Length); i++)
        {
            if (i >= partsX.Length || i >= partsY.Length)
            {
                return partsX.Length.CompareTo(partsY.Length);
            }
            var numericX = long.TryParse(partsX[i], NumberStyles.None, CultureInfo.InvariantCulture, out var numberX);
            var numericY = long.TryParse(partsY[i], NumberStyles.None, CultureInfo.InvariantCulture, out var numberY);
            var order = numericX && numericY ? numberX.CompareTo(numberY)
                : numericX != numericY ? (numericX ? -1 : 1)
                : string.CompareOrdinal(partsX[i], partsY[i]);
            if (order != 0)
            {
                return order;
            }
        }
        return 0;
    }
}
