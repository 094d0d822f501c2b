using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary><c>rapidbyte run</c>: a full refresh of the table, appended into the empty destination table.</summary>
/// <param name="observe">Watches each rapidbyte process while it runs, given its id (the idle-cost probe samples its CPU).</param>
/// <param name="tls">Both sides over verified TLS (the benchmark's <c>--tls</c>).</param>
/// <param name="nativeLane">False: the source's <c>native_lane: false</c>, every column through the Arrow mapping.</param>
internal sealed class RapidbyteContender(RapidbyteCli cli, Func<int, Task>? observe = null, bool tls = false, bool nativeLane = true) : IContender
{
    public string Name => "rapidbyte run" + (tls ? ", TLS" : "") + (nativeLane ? "" : ", Arrow lane");

    public RapidbyteCli Cli => cli;

    public bool IsYardstick => false;

    public async Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken)
    {
        var (process, summary) = await cli.RunAsync(table.Name, cancellationToken, observe, tls, nativeLane);
        return new LoadRun(process, summary.RowsWritten, summary.Duration, summary.FirstBatchAt - process.LaunchedAt);
    }
}
