using System.Globalization;

namespace Rapidbyte.Testing.Measurement;

/// <summary>
/// CPU time the PostgreSQL server spends on a load: the user and system time of backends and
/// parallel workers, the ended ones from the postmaster's "children" times (Linux adds a
/// child's time there when its parent reaps it) plus the running ones from their own. The sum
/// only grows, so the difference of two readings is what the server spent between them, also
/// on connections that stay open (a warm <c>rapidbyte serve</c>'s pooled state connections),
/// and no reading waits for backends to end. The long-lived helpers (WAL writer,
/// checkpointer...) are not counted.
/// </summary>
public sealed class ServerCpuMeter
{
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

    /// <summary>CPU seconds of every server process so far (helpers aside), ended or running.</summary>
    public async Task<double> ReadAsync(CancellationToken cancellationToken)
    {
        // Consistent when no child started or was reaped between the two listings: one reaped
        // in between would be counted twice (running, then reaped) or not at all.
        while (true)
        {
            var running = Backends();
            var runningSeconds = running.Sum(pid => ProcFs.OwnCpuSeconds(pid) ?? 0);
            var reapedSeconds = ProcFs.ReapedChildrenCpuSeconds(_postmasterPid) ?? throw new InvalidOperationException("the PostgreSQL server is gone");
            if (Backends().SequenceEqual(running))
            {
                return reapedSeconds + runningSeconds;
            }
            await Task.Delay(5, cancellationToken);
        }
    }

    // Every child but the helpers, whatever its state: a backend that is exiting has already
    // lost its command line but still has its time until the postmaster reaps it.
    private List<int> Backends() => ProcFs.Children(_postmasterPid).Where(pid => !_helpers.Contains(pid)).Order().ToList();
}
