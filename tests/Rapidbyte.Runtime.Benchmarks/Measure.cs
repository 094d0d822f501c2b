using System.Diagnostics;

namespace Rapidbyte.Runtime.Benchmarks;

/// <summary>Repeats a measurement and reports the median and the spread, for noisy shared machines.</summary>
internal static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="rounds"/> times; returns each round's milliseconds.</summary>
    public static double[] Rounds(int rounds, Action action)
    {
        var times = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        return times;
    }

    public static string Spread(double[] values) => $"median {Median(values):F1}, min {values.Min():F1}, max {values.Max():F1}";
}
