using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Output;

/// <summary><c>--json</c>: nothing while the run moves, then exactly one JSON object on stdout.</summary>
internal sealed class JsonRunView : IRunView
{
    // Nothing is shown before the end, so there is nothing to refresh.
    public TimeSpan RefreshInterval { get; } = TimeSpan.FromSeconds(10);

    public Task<PipelineRunReport> FollowAsync(Func<Action<PipelineRunReport>, Task<PipelineRunReport>> watch) => watch(_ => { });

    public void Summarise(PipelineRunReport run) => Console.Out.WriteLine(RunJson.Write(run));
}
