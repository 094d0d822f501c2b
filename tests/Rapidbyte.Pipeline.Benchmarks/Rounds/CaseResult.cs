namespace Rapidbyte.Pipeline.Benchmarks.Rounds;

/// <summary>Every round of a case, and their medians (each figure's median on its own).</summary>
internal sealed record CaseResult(BenchmarkCase Case, IReadOnlyList<CaseSample> Samples)
{
    public double WallSeconds => Median.Of(Samples.Select(s => s.Run.Process.Wall.TotalSeconds));

    public double ClientCpuSeconds => Median.Of(Samples.Select(s => s.Run.Process.CpuSeconds));

    public double ServerCpuSeconds => Median.Of(Samples.Select(s => s.ServerCpuSeconds));

    public double PeakRssBytes => Median.Of(Samples.Select(s => (double)s.Run.Process.PeakRssBytes));

    /// <summary>The median of the duration the contender reports itself, when it reports one.</summary>
    public double? OwnSeconds => Samples.All(s => s.Run.OwnDuration is not null)
        ? Median.Of(Samples.Select(s => s.Run.OwnDuration!.Value.TotalSeconds))
        : null;

    /// <summary>The median time from launch to the first batch, when the contender reports it for every round.</summary>
    public double? FirstBatchSeconds => Samples.All(s => s.Run.FirstBatchAfter is not null)
        ? Median.Of(Samples.Select(s => s.Run.FirstBatchAfter!.Value.TotalSeconds))
        : null;

    public double RowsPerSecond => Case.Expected.Rows / WallSeconds;

    /// <summary>Megabytes (10^6 bytes) of the source table's binary COPY stream per second.</summary>
    public double MegabytesPerSecond => Case.Expected.CopyBytes / 1e6 / WallSeconds;
}
