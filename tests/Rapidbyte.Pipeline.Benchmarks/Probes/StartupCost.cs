namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>
/// Launch to exit of <c>rapidbyte run</c> on a one-row table: an upper bound for the time to
/// the first batch.
/// </summary>
/// <param name="ColdSeconds">The benchmark's first run: connectors compiled into an empty cache, state schema created.</param>
/// <param name="WarmSeconds">Median of the runs after it, compiled connectors cached.</param>
/// <param name="WarmRunSeconds">Of those, the run itself as rapidbyte reports it (without process start and stop).</param>
/// <param name="WarmCpuSeconds">Of those, the process's CPU seconds.</param>
internal sealed record StartupCost(double ColdSeconds, double WarmSeconds, double WarmRunSeconds, double WarmCpuSeconds);
