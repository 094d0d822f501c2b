using Rapidbyte.Pipeline.Benchmarks.Rounds;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>A case's medians, as reported.</summary>
/// <param name="WallSecondsByRound">Every round's wall time, in the order they ran.</param>
/// <param name="ClientCpuSeconds">User + system CPU of the client process(es): rapidbyte; both psql; pgloader.</param>
/// <param name="ServerCpuSeconds">CPU of the PostgreSQL backends serving the load (source and destination).</param>
/// <param name="PeakRssMib">Peak resident set of the client process (for the pipe: the larger psql).</param>
/// <param name="OwnRunSeconds">The duration the contender reports itself (rapidbyte: the run, without process start-up).</param>
/// <param name="FirstBatchSeconds">Launch to the first batch, when the contender reports it (rapidbyte).</param>
/// <param name="ThroughputVsCopyPipe">This throughput over the COPY pipe's on the same table.</param>
/// <param name="ThroughputVsCopyPipeByRound">
/// The median over the rounds of the same ratio within each round: this machine's speed drifts
/// (the pipe's own rounds differ by up to a third), and a round's loads run minutes apart at most.
/// </param>
/// <param name="ServingCpuSeconds">For a run handed to a warm server: the server process's CPU, included in <paramref name="ClientCpuSeconds"/>.</param>
/// <param name="ServerPeakRssMib">For a run handed to a warm server: that server process's peak resident set (VmHWM) after the rounds.</param>
/// <param name="ServerWarmUpRuns">For a run handed to a warm server: the untimed runs of this table that warmed it.</param>
internal sealed record CaseSummary(
    string Contender, string Table, double WallSeconds, IReadOnlyList<double> WallSecondsByRound, double RowsPerSecond, double MegabytesPerSecond,
    double ClientCpuSeconds, double ServerCpuSeconds, double PeakRssMib, double? OwnRunSeconds, double? FirstBatchSeconds, double? ThroughputVsCopyPipe, double? ThroughputVsCopyPipeByRound,
    double? ServingCpuSeconds = null, double? ServerPeakRssMib = null, int? ServerWarmUpRuns = null)
{
    public static IReadOnlyList<CaseSummary> Of(
        IReadOnlyList<CaseResult> results, double? serverPeakRssBytes = null, IReadOnlyList<(string Table, int Runs)>? serverWarmUpRuns = null) =>
        results.Select(result =>
        {
            var yardstick = results.FirstOrDefault(r => r.Case.Contender.IsYardstick && r.Case.Table.Name == result.Case.Table.Name);
            return new CaseSummary(
                result.Case.Contender.Name, result.Case.Table.Name, result.WallSeconds,
                result.Samples.Select(s => s.Run.Process.Wall.TotalSeconds).ToList(),
                result.RowsPerSecond, result.MegabytesPerSecond, result.ClientCpuSeconds, result.ServerCpuSeconds,
                result.PeakRssBytes / 1048576, result.OwnSeconds, result.FirstBatchSeconds,
                yardstick is null ? null : yardstick.WallSeconds / result.WallSeconds,
                yardstick is null ? null : Median.Of(yardstick.Samples.Zip(result.Samples, (pipe, load) => pipe.Run.Process.Wall.TotalSeconds / load.Run.Process.Wall.TotalSeconds)),
                result.ServingCpuSeconds, result.ServingCpuSeconds is null ? null : serverPeakRssBytes / 1048576,
                result.ServingCpuSeconds is null ? null : serverWarmUpRuns?.FirstOrDefault(w => w.Table == result.Case.Table.Name).Runs);
        }).ToList();
}
