using System.Diagnostics;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// <c>rapidbyte run</c> handed to a warm <c>rapidbyte serve</c>, started once before the timed
/// rounds and warmed with untimed runs of each table until .NET has stopped re-compiling (see <see cref="WarmedAfter"/>).
/// Wall is the <c>rapidbyte run</c> client's,
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
    /// Untimed runs of each table before the rounds, at least this many: a server that has run its pipelines a few
    /// times. .NET compiles hot code again, optimized, on a background thread over a process's first runs (a method
    /// once it has been called 30 times, so code called once a run only after 30 runs): measured at 1M mixed rows, that
    /// thread spent 0.94, 0.27, 0.23, 0.11, 0.20, 0.24, 0.01, 0.06, 0.01, 0.05 CPU s in a server's first ten runs.
    /// </summary>
    public const int MinWarmUpRuns = 3;

    /// <summary>At most this many untimed runs of a table.</summary>
    public const int MaxWarmUpRuns = 12;

    /// <summary>A table's warm-up ends after a run in which .NET's tiered-compilation thread spent less than this.</summary>
    public const double QuietJitCpuSeconds = 0.02;

    /// <summary>The name Linux gives .NET's tiered-compilation thread (<c>.NET Tiered Compilation Worker</c>, cut to 15 bytes).</summary>
    private const string JitThread = ".NET Tiered Com";

    /// <summary>How many warm-up runs each table took, in order.</summary>
    public IReadOnlyList<(string Table, int Runs)> WarmedAfter => _warmedAfter;

    private readonly List<(string Table, int Runs)> _warmedAfter = [];

    public string Name => "rapidbyte run, warm server";

    public bool IsYardstick => false;

    /// <summary>The server's peak resident set so far (VmHWM), in bytes, or null once it is gone.</summary>
    public long? ServerPeakRssBytes => ReadPeakRss(_server.Id);

    /// <summary>
    /// Starts the server and warms it: untimed runs of each table, each into a destination <paramref name="resetDestination"/>
    /// empties first, from <see cref="MinWarmUpRuns"/> up to <see cref="MaxWarmUpRuns"/>, until one in which the server's
    /// tiered-compilation thread spent under <see cref="QuietJitCpuSeconds"/>.
    /// </summary>
    public static async Task<WarmServerContender> StartAsync(RapidbyteCli cli, IReadOnlyList<BenchmarkTable> warmUpTables, Func<BenchmarkTable, Task> resetDestination,
        CancellationToken cancellationToken)
    {
        var server = await cli.StartServerAsync(warmUpTables[0].Name, LoopbackPorts.Unused(), cancellationToken);
        var contender = new WarmServerContender(cli, server);
        try
        {
            foreach (var table in warmUpTables)
            {
                var stream = table.Name;
                for (var run = 1; ; run++)
                {
                    await resetDestination(table);
                    var (warm, jit) = await contender.LoadWatchingJitAsync(stream, cancellationToken);
                    // A run the client did itself would leave the server idle: the rounds must measure the hand-over.
                    if (warm.ServingCpuSeconds is not > 0)
                    {
                        throw new BenchmarkFailure($"rapidbyte run of {stream} was not handed to the warm server (it spent {warm.ServingCpuSeconds} CPU s)");
                    }
                    Console.WriteLine($"  warm-up {run} of the server: {stream}, {warm.Process.Wall.TotalSeconds:F2} s wall, server {warm.ServingCpuSeconds:F2} CPU s, of which re-compiling {jit:F2}");
                    if (run >= MaxWarmUpRuns || (run >= MinWarmUpRuns && jit < QuietJitCpuSeconds))
                    {
                        contender._warmedAfter.Add((stream, run));
                        break;
                    }
                }
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

    /// <summary>
    /// A load, and the CPU the server's tiered-compilation threads spent meanwhile: read every 100 ms, since such a
    /// thread ends once idle for a while (4 s by default) and takes its figures with it.
    /// </summary>
    private async Task<(LoadRun Run, double JitCpuSeconds)> LoadWatchingJitAsync(string stream, CancellationToken cancellationToken)
    {
        var before = JitThreads();
        var seen = new Dictionary<int, double>(before);
        var load = LoadAsync(stream, cancellationToken);
        while (!load.IsCompleted)
        {
            await Task.WhenAny(load, Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken));
            foreach (var (thread, seconds) in JitThreads())
            {
                seen[thread] = seconds;
            }
        }
        return (await load, seen.Sum(t => t.Value - before.GetValueOrDefault(t.Key)));
    }

    private IReadOnlyDictionary<int, double> JitThreads() =>
        ProcFs.ThreadsCpuSeconds(_server.Id, JitThread) ?? throw new BenchmarkFailure($"rapidbyte serve (pid {_server.Id}) is gone");

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
