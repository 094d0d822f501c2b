using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Output;

/// <summary>How <c>rapidbyte run</c> shows a run while it moves and when it ends.</summary>
internal interface IRunView
{
    /// <summary>
    /// The longest the view goes without fresh numbers. The run's end is shown at once
    /// whatever this is: the command waits on the run, it does not poll it.
    /// </summary>
    TimeSpan RefreshInterval { get; }

    /// <summary>Shows progress until <paramref name="watch"/> returns the finished run.</summary>
    Task<PipelineRunReport> FollowAsync(Func<Action<PipelineRunReport>, Task<PipelineRunReport>> watch);

    void Summarise(PipelineRunReport run);
}
