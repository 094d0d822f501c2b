using Rapidbyte.Pipeline.Benchmarks.Contenders;

namespace Rapidbyte.Pipeline.Benchmarks.Rounds;

/// <summary>Every round of a case, and their medians (each figure's median on its own).</summary>
internal sealed record CaseResult(BenchmarkCase Case, IReadOnlyList<CaseSample> Samples)
{
    public double WallSeconds => Median.Of(Samples.Select(s => s.Run.Process.Wall.TotalSeconds));

    /// <summary>The client's CPU; for a run handed to a server, the client's plus the server process's.</summary>
    public double ClientCpuSeconds => Median.Of(Samples.Select(s => s.Run.ClientCpuSeconds));

    /// <summary>The median CPU of the serving process alone, when the client handed the runs to one.</summary>
    public double? ServingCpuSeconds => Samples.All(s => s.Run.ServingCpuSeconds is not null)
        ? Median.Of(Samples.Select(s => s.Run.ServingCpuSeconds!.Value))
        : null;

    public double ServerCpuSeconds => Median.Of(Samples.Select(s => s.ServerCpuSeconds));

    public double PeakRssBytes => Median.Of(Samples.Select(s => (double)s.Run.Process.PeakRssBytes));

    /// <summary>The median of the duration the contender reports itself, when it reports one.</summary>
    public double? OwnSeconds => MedianSecondsOfReported(run => run.OwnDuration);

    /// <summary>The median time from launch to the first batch, when the contender reports it for every round.</summary>
    public double? FirstBatchSeconds => MedianSecondsOfReported(run => run.FirstBatchAfter);

    public double RowsPerSecond => Case.Expected.Rows / WallSeconds;

    /// <summary>Megabytes (10^6 bytes) of the source table's binary COPY stream per second.</summary>
    public double MegabytesPerSecond => Case.Expected.CopyBytes / 1e6 / WallSeconds;

    // A figure only some contenders report: its median when every round has it, else null.
    private double? MedianSecondsOfReported(Func<LoadRun, TimeSpan?> figure) =>
        Samples.All(s => figure(s.Run) is not null)
            ? Median.Of(Samples.Select(s => figure(s.Run)!.Value.TotalSeconds))
            : null;
}
