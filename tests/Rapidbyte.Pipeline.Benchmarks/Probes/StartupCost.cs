namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>
/// <c>rapidbyte run</c> of a one-row table: the time from launch to the source's first batch
/// (when the run report says it was emitted), and launch to exit.
/// </summary>
/// <param name="WarmFirstBatchSeconds">Launch to first batch, compiled connectors cached (median of the warm runs).</param>
/// <param name="ColdFirstBatchSeconds">Launch to first batch in the benchmark's first run: connectors compiled into an empty cache, state schema created.</param>
/// <param name="ColdSeconds">Launch to exit of that first run.</param>
/// <param name="WarmSeconds">Launch to exit, median of the runs after it.</param>
/// <param name="WarmRunSeconds">Of those, the run itself as rapidbyte reports it (without process start and stop).</param>
/// <param name="WarmCpuSeconds">Of those, the process's CPU seconds.</param>
internal sealed record StartupCost(
    double WarmFirstBatchSeconds, double ColdFirstBatchSeconds, double ColdSeconds, double WarmSeconds, double WarmRunSeconds, double WarmCpuSeconds);
