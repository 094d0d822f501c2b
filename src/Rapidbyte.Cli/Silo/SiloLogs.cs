using Microsoft.Extensions.Logging;

namespace Rapidbyte.Cli.Silo;

/// <summary>
/// What the CLI's silo says on stderr: warnings and errors, and Rapidbyte's own messages from
/// <see cref="Level"/> (information with <c>-v</c>). While the host starts, none of the errors
/// with which Orleans and the host report a failed start: the exception that ends a start is
/// said once, by whoever catches it (a state database that cannot be used in one line, a bug
/// with its stack trace). Once its start is abandoned, nothing at all.
/// </summary>
internal sealed class SiloLogs(LogLevel level)
{
    private volatile bool _starting;
    private volatile bool _abandoned;

    /// <summary>The least level of Rapidbyte's own messages said.</summary>
    public LogLevel Level { get; } = level;

    public bool Heard(string category, LogLevel level)
    {
        if (_abandoned)
        {
            return false;
        }
        if (category.StartsWith("Rapidbyte", StringComparison.Ordinal))
        {
            return level >= Level;
        }
        if (_starting && level >= LogLevel.Error)
        {
            return false;
        }
        return level >= category switch
        {
            // Its start-up advice (server GC) does not apply to a one-process CLI.
            "Orleans.Runtime.Silo" => LogLevel.Error,
            // Its first check compares against a process start it has no time for yet (hours of "contention").
            "Orleans.Runtime.Watchdog" => LogLevel.Error,
            // It warns that reminders more frequent than a minute are "unsuitable for production";
            // ours (Engine:RunCheckInterval) look for interrupted runs and cost one query a tick.
            "Orleans.Hosting.ReminderOptionsValidator" => LogLevel.Error,
            // Every error it logs is also thrown to the grain that read or wrote, which handles it
            // (a version conflict, when another process wrote the same state: read again) or fails
            // its run saying why. Said here as well, with a stack trace, it reads as a second failure.
            "Orleans.Storage.AdoNetGrainStorage" => LogLevel.Critical,
            _ => LogLevel.Warning,
        };
    }

    /// <summary>Runs a host's start (<paramref name="start"/>), its failure said by the caller alone.</summary>
    public async Task StartingAsync(Func<Task> start)
    {
        _starting = true;
        try
        {
            await start();
        }
        finally
        {
            _starting = false;
        }
    }

    /// <summary>From now on nothing is said: the start was abandoned.</summary>
    public void Abandon() => _abandoned = true;
}
