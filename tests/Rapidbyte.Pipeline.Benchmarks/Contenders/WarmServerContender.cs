using System.Diagnostics;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// <c>rapidbyte run</c> handed to a warm <c>rapidbyte serve</c>, started once before the timed
/// rounds and warmed with <see cref="WarmUpRuns"/> untimed runs per table. Wall is the <c>rapidbyte run</c> client's,
/// launch to exit; the work happens in the server process, so its CPU over the run (from
/// /proc/PID/stat) is counted into the client CPU beside the client's own.
/// </summary>
internal sealed class WarmServerContender : IContender, IAsyncDisposable
{
    private readonly RapidbyteCli _cli;
    private readonly Process _server;

    private WarmServerContender(RapidbyteCli cli, Process server)
    {
        _cli = cli;
        _server = server;
    }

    /// <summary>
    /// Untimed runs of each table before the rounds: a server that has run its pipelines a few
    /// times. .NET compiles hot code again, optimized, in the background over a process's first
    /// runs (measured at 1M rows: the server's CPU fell from round to round after one warm-up).
    /// </summary>
    public const int WarmUpRuns = 3;

    public string Name => "rapidbyte run, warm server";

    public bool IsYardstick => false;

    /// <summary>The server's peak resident set so far (VmHWM), in bytes, or null once it is gone.</summary>
    public long? ServerPeakRssBytes => ReadPeakRss(_server.Id);

    /// <summary>Starts the server and warms it: <see cref="WarmUpRuns"/> untimed runs of each table, each into a destination <paramref name="resetDestination"/> empties first.</summary>
    public static async Task<WarmServerContender> StartAsync(RapidbyteCli cli, IReadOnlyList<BenchmarkTable> warmUpTables, Func<BenchmarkTable, Task> resetDestination,
        CancellationToken cancellationToken)
    {
        var server = await cli.StartServerAsync(warmUpTables[0].Name, LoopbackPorts.Unused(), cancellationToken);
        var contender = new WarmServerContender(cli, server);
        try
        {
            foreach (var table in warmUpTables.SelectMany(t => Enumerable.Repeat(t, WarmUpRuns)))
            {
                await resetDestination(table);
                var stream = table.Name;
                var warm = await contender.LoadAsync(stream, cancellationToken);
                // A run the client did itself would leave the server idle: the rounds must measure the hand-over.
                if (warm.ServingCpuSeconds is not > 0)
                {
                    throw new BenchmarkFailure($"rapidbyte run of {stream} was not handed to the warm server (it spent {warm.ServingCpuSeconds} CPU s)");
                }
                Console.WriteLine($"  warm-up of the server: {stream}, {warm.Process.Wall.TotalSeconds:F2} s wall, server {warm.ServingCpuSeconds:F2} CPU s");
            }
        }
        catch
        {
            await contender.DisposeAsync();
            throw;
        }
        return contender;
    }

    public Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken) => LoadAsync(table.Name, cancellationToken);

    private async Task<LoadRun> LoadAsync(string stream, CancellationToken cancellationToken)
    {
        var before = ProcFs.OwnCpuSeconds(_server.Id) ?? throw new BenchmarkFailure($"rapidbyte serve (pid {_server.Id}) is gone");
        var (process, summary) = await _cli.RunAsync(stream, cancellationToken, served: true);
        var after = ProcFs.OwnCpuSeconds(_server.Id) ?? throw new BenchmarkFailure($"rapidbyte serve (pid {_server.Id}) ended during the run");
        return new LoadRun(process, summary.RowsWritten, summary.Duration, summary.FirstBatchAt - process.LaunchedAt, after - before);
    }

    // Only the server this contender started, by its own process handle.
    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill();
        }
        await _server.WaitForExitAsync(CancellationToken.None);
        _server.Dispose();
    }

    private static long? ReadPeakRss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
