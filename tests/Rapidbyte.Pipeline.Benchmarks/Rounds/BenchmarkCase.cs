using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Rounds;

/// <summary>One contender on one table, and what the destination must hold afterwards.</summary>
internal sealed record BenchmarkCase(IContender Contender, BenchmarkTable Table, SourceFacts Expected);
