using Rapidbyte.Pipeline.Benchmarks.Contenders;

namespace Rapidbyte.Pipeline.Benchmarks.Rounds;

/// <summary>One verified load of a case.</summary>
/// <param name="ServerCpuSeconds">CPU the PostgreSQL backends spent for it (both databases).</param>
internal sealed record CaseSample(LoadRun Run, double ServerCpuSeconds);
