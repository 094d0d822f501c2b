namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>Medians of the rapidbyte process for one variant of the idle-cost stream.</summary>
internal sealed record IdleRun(double WallSeconds, double CpuSeconds);
