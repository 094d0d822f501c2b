using System.Globalization;

namespace Rapidbyte.Cli.Output;

/// <summary>Numbers as people read them in a progress line.</summary>
public static class Quantity
{
    public static string Rows(long rows) => rows.ToString("N0", CultureInfo.InvariantCulture);

    public static string Megabytes(long bytes) => (bytes / 1_048_576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";

    public static string Rate(double rowsPerSecond) => rowsPerSecond.ToString("N0", CultureInfo.InvariantCulture) + " rows/s";

    public static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";
}
