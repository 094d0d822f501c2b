using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>A way to copy a source table into the empty destination table of the same name.</summary>
internal interface IContender
{
    /// <summary>How tables and logs name it.</summary>
    string Name { get; }

    /// <summary>True for the one the others are compared with (PostgreSQL's own COPY).</summary>
    bool IsYardstick { get; }

    /// <summary>Copies every row of <paramref name="table"/>, as one client process (tree).</summary>
    /// <exception cref="BenchmarkFailure">The copy failed.</exception>
    Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken);
}
