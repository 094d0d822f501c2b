using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Output;

/// <summary>What the process's exit status means.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The run, a check or a connection failed.</summary>
    public const int Failed = 1;

    /// <summary>The pipeline file or the command line is wrong: nothing was attempted.</summary>
    public const int InvalidInput = 2;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>The exit status of a run that ended <paramref name="status"/>.</summary>
    public static int Of(RunStatus status) => status switch
    {
        RunStatus.Succeeded => Success,
        RunStatus.Cancelled => Cancelled,
        _ => Failed,
    };
}
