namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>
/// The benchmark cannot stand: a load failed, or a destination differs from its source. A
/// fast wrong run must not count, so this ends the whole run with a non-zero exit.
/// </summary>
internal sealed class BenchmarkFailure(string message) : Exception(message);
