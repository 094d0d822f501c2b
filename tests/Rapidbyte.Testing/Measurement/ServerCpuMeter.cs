using System.Globalization;

namespace Rapidbyte.Testing.Measurement;

/// <summary>
/// CPU time the PostgreSQL server spends on a load: the user and system time of backends and
/// parallel workers, which Linux adds to the postmaster's "children" times when it reaps
/// them. So a reading counts only ended processes: it waits until the postmaster has no child
/// left but its long-lived helpers (WAL writer, checkpointer...), whose own time is not counted.
/// </summary>
public sealed class ServerCpuMeter
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] HelperTitles =
        ["checkpointer", "background writer", "walwriter", "autovacuum launcher", "logical replication launcher", "archiver", "stats collector"];

    private readonly int _postmasterPid;
    private readonly HashSet<int> _helpers;

    private ServerCpuMeter(int postmasterPid)
    {
        _postmasterPid = postmasterPid;
        _helpers = ProcFs.Children(postmasterPid)
            .Where(pid => ProcFs.CommandLine(pid) is { } line && HelperTitles.Any(title => line.Contains(title, StringComparison.Ordinal)))
            .ToHashSet();
    }

    /// <summary>A meter of the server whose data directory is <paramref name="dataDirectory"/>.</summary>
    public static ServerCpuMeter ForDataDirectory(string dataDirectory)
    {
        // postmaster.pid starts with the postmaster's process id.
        var pid = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        return new ServerCpuMeter(pid);
    }

    /// <summary>CPU seconds of every server process that has ended so far, once the current ones ended.</summary>
    public async Task<double> ReadSettledAsync(CancellationToken cancellationToken)
    {
        // Any child but the helpers, whatever its state: a backend that is still exiting has
        // already lost its command line but not yet handed its time to the postmaster.
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (ProcFs.Children(_postmasterPid).Any(pid => !_helpers.Contains(pid)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }
        return ProcFs.ReapedChildrenCpuSeconds(_postmasterPid) ?? throw new InvalidOperationException("the PostgreSQL server is gone");
    }
}
