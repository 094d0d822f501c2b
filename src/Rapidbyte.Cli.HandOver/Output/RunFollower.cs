using Rapidbyte.Client;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Output;

/// <summary>Follows a run through the API (a server's, or the cluster's) in one of the run views, as <c>rapidbyte run</c> shows a run.</summary>
internal static class RunFollower
{
    /// <summary>
    /// Shows the run until it ends and summarises it; Ctrl-C (<paramref name="cancellationToken"/>)
    /// cancels the run once and goes on following it to its end (its streams roll back first).
    /// </summary>
    /// <returns>The exit code of its outcome.</returns>
    public static async Task<int> FollowAsync(IRapidbyteClient client, IRunView view, PipelineRunReport run, CancellationToken cancellationToken)
    {
        var finished = await view.FollowAsync(async update =>
        {
            var last = run;
            var cancelSent = false;
            await foreach (var snapshot in client.WatchRunAsync(run.Pipeline, run.RunId, CancellationToken.None))
            {
                last = snapshot;
                update(snapshot);
                if (cancellationToken.IsCancellationRequested && !cancelSent && !snapshot.Status.IsFinished())
                {
                    cancelSent = true;
                    await Console.Error.WriteLineAsync("cancelling: rolling back what is not committed...");
                    await client.CancelRunAsync(run.Pipeline, run.RunId, CancellationToken.None);
                }
            }
            return last;
        });
        view.Summarise(finished);
        return ExitCodes.Of(finished.Status);
    }
}
