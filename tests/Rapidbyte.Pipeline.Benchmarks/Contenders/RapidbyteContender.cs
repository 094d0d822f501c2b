using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary><c>rapidbyte run</c>: a full refresh of the table, appended into the empty destination table.</summary>
/// <param name="observe">Watches each rapidbyte process while it runs, given its id (the idle-cost probe samples its CPU).</param>
/// <param name="tls">Both sides over verified TLS (the benchmark's <c>--tls</c>).</param>
internal sealed class RapidbyteContender(RapidbyteCli cli, Func<int, Task>? observe = null, bool tls = false) : IContender
{
    public string Name => tls ? "rapidbyte run, TLS" : "rapidbyte run";

    public RapidbyteCli Cli => cli;

    public bool IsYardstick => false;

    public async Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken)
    {
        var (process, summary) = await cli.RunAsync(table.Name, cancellationToken, observe, tls);
        return new LoadRun(process, summary.RowsWritten, summary.Duration, summary.FirstBatchAt - process.LaunchedAt);
    }
}
