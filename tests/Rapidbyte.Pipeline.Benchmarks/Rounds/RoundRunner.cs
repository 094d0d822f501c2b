using System.Globalization;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Testing.Measurement;

namespace Rapidbyte.Pipeline.Benchmarks.Rounds;

/// <summary>
/// Runs cases in alternation, round after round, each into a fresh empty destination table,
/// and verifies every load before it counts. Resetting and verifying are outside the timing.
/// </summary>
internal sealed class RoundRunner(BenchmarkDatabases databases, ServerCpuMeter serverCpu)
{
    /// <summary>Loads run and verified so far.</summary>
    public int VerifiedLoads { get; private set; }

    public async Task<IReadOnlyList<CaseResult>> RunAsync(IReadOnlyList<BenchmarkCase> cases, int rounds, CancellationToken cancellationToken)
    {
        var samples = cases.ToDictionary(c => c, _ => new List<CaseSample>());
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < cases.Count; i++)
            {
                // Each round starts one case later: no contender always runs first or always
                // follows the same one (whose leftovers, in caches or in the background, it would inherit).
                var next = cases[(i + round) % cases.Count];
                samples[next].Add(await RunOnceAsync(next, $"round {round + 1}/{rounds}", cancellationToken));
            }
        }
        return cases.Select(c => new CaseResult(c, samples[c])).ToList();
    }

    private async Task<CaseSample> RunOnceAsync(BenchmarkCase benchmarkCase, string round, CancellationToken cancellationToken)
    {
        await databases.ResetDestinationAsync(benchmarkCase.Table);
        var serverCpuBefore = await serverCpu.ReadAsync(cancellationToken);
        var run = await benchmarkCase.Contender.LoadAsync(benchmarkCase.Table, cancellationToken);
        var serverCpuAfter = await serverCpu.ReadAsync(cancellationToken);
        await VerifyAsync(benchmarkCase, run.ReportedRows);
        VerifiedLoads++;
        var sample = new CaseSample(run, serverCpuAfter - serverCpuBefore);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {round}  {benchmarkCase.Contender.Name,-26} {benchmarkCase.Table.Name,-21} {run.Process.Wall.TotalSeconds,7:F2} s wall  {run.ClientCpuSeconds,6:F2} s client CPU{(run.ServingCpuSeconds is { } serving ? $" (serve {serving:F2})" : "")}  {sample.ServerCpuSeconds,6:F2} s server CPU  {run.Process.PeakRssBytes / 1048576.0,5:F0} MiB  verified"));
        return sample;
    }

    // A fast wrong load must not count: the destination must hold exactly the source's rows.
    private async Task VerifyAsync(BenchmarkCase benchmarkCase, long? reportedRows)
    {
        var what = $"{benchmarkCase.Contender.Name} into {benchmarkCase.Table.Name}";
        var actual = await databases.DestinationFingerprintAsync(benchmarkCase.Table.Name);
        if (actual != benchmarkCase.Expected.Fingerprint)
        {
            throw new BenchmarkFailure($"{what}: the destination holds {actual}, the source {benchmarkCase.Expected.Fingerprint}");
        }
        if (reportedRows is { } rows && rows != benchmarkCase.Expected.Rows)
        {
            throw new BenchmarkFailure($"{what}: reported {rows} rows written, the source has {benchmarkCase.Expected.Rows}");
        }
    }
}
