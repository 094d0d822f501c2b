using System.Diagnostics;
using System.Runtime.CompilerServices;
using Rapidbyte.Grains;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Client;

/// <summary>
/// The same calls as <see cref="RapidbyteClient"/>, made on the cluster's grains directly: what
/// the HTTP API itself serves with, and what a process holding an Orleans client (the CLI with
/// <c>--cluster</c>) calls. Refusals come as the same exceptions, with the same problem, as over HTTP.
/// </summary>
/// <param name="grains">The cluster (a silo's grain factory, or an Orleans client).</param>
public sealed class ClusterRapidbyteClient(IGrainFactory grains) : IRapidbyteClient
{
    /// <summary>How often a watch gets a snapshot while the run moves.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The largest page of runs.</summary>
    public const int LargestPage = 100;

    /// <inheritdoc />
    public Task<IReadOnlyList<PipelineRegistration>> ListPipelinesAsync(CancellationToken cancellationToken = default) =>
        Call(() => RegisteredPipelines.ListAsync(grains));

    /// <inheritdoc />
    public Task<PipelineRegistration> GetPipelineAsync(string name, CancellationToken cancellationToken = default) =>
        Call(async () => await Pipeline(name).GetRegistrationAsync() ?? throw new PipelineNotFoundException(name));

    /// <inheritdoc />
    public Task<PipelineRegistration> RegisterPipelineAsync(string name, string yaml, string? file = null, CancellationToken cancellationToken = default) =>
        Call(() =>
        {
            if (string.IsNullOrWhiteSpace(yaml))
            {
                throw new ArgumentException("the pipeline's YAML is empty");
            }
            return Pipeline(name).RegisterAsync(yaml, string.IsNullOrWhiteSpace(file) ? $"{name}.yaml" : file);
        });

    /// <inheritdoc />
    public Task DeletePipelineAsync(string name, bool clearState = false, CancellationToken cancellationToken = default) =>
        Call(async () =>
        {
            await Pipeline(name).DeleteAsync(clearState);
            return true;
        });

    /// <inheritdoc />
    public Task<PipelineRegistration> PausePipelineAsync(string name, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).PauseAsync());

    /// <inheritdoc />
    public Task<PipelineRegistration> ResumePipelineAsync(string name, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).ResumeAsync());

    /// <inheritdoc />
    public Task<PipelineRunReport> TriggerRunAsync(string name, IReadOnlyList<string>? streams = null, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).TriggerAsync(streams));

    /// <inheritdoc />
    public Task<PipelineRunReport> StartRunAsync(RunRequest request, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(request.Pipeline).StartRunAsync(
            new PipelineDefinition(request.Yaml, request.File, request.Variables ?? new Dictionary<string, string>()), request.Streams));

    /// <inheritdoc />
    public Task<PipelineRunReport> GetRunAsync(string name, string runId, CancellationToken cancellationToken = default) =>
        Call(async () => await Pipeline(name).GetRunAsync(runId) ?? throw NoRun(name, runId));

    /// <inheritdoc />
    public Task<RunPage> ListRunsAsync(string name, int limit = 20, string? after = null, CancellationToken cancellationToken = default) =>
        Call(async () =>
        {
            if (limit is < 1 or > LargestPage)
            {
                throw new ArgumentException($"limit must be from 1 to {LargestPage}");
            }
            var pipeline = Pipeline(name);
            var active = await pipeline.GetActiveRunAsync();
            var history = await pipeline.GetHistoryAsync();
            var runs = (active is null ? history : history.Prepend(active)).ToList();
            var start = 0;
            if (after is not null)
            {
                var index = runs.FindIndex(r => r.RunId == after);
                if (index < 0)
                {
                    throw new ArgumentException($"run {after} is not among pipeline {name}'s runs (it keeps the latest; list again from the start)");
                }
                start = index + 1;
            }
            var page = runs.Skip(start).Take(limit).ToList();
            return new RunPage(page, start + page.Count < runs.Count ? page[^1].RunId : null);
        });

    /// <inheritdoc />
    public async IAsyncEnumerable<PipelineRunReport> WatchRunAsync(string name, string runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pipeline = Pipeline(name);
        var run = await GetRunAsync(name, runId, cancellationToken);
        yield return run;
        var lostSince = (long?)null;
        while (!run.Status.IsFinished())
        {
            var started = Stopwatch.GetTimestamp();
            PipelineRunReport? next = null;
            try
            {
                next = await pipeline.WaitForRunAsync(runId, WatchInterval).WaitAsync(cancellationToken);
                lostSince = null;
            }
            catch (Exception e) when (IsSiloLoss(e) && Stopwatch.GetElapsedTime(lostSince ??= started) < TimeSpan.FromMinutes(5))
            {
                // The pipeline's silo was lost: the cluster brings it back elsewhere, and the run goes on there.
            }
            if (next is not null)
            {
                run = next;
                yield return run;
            }
            var left = WatchInterval - Stopwatch.GetElapsedTime(started);
            if (!run.Status.IsFinished() && left > TimeSpan.Zero)
            {
                await Task.Delay(left, cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public async Task<PipelineRunReport> WaitForRunAsync(string name, string runId, CancellationToken cancellationToken = default)
    {
        PipelineRunReport? last = null;
        await foreach (var run in WatchRunAsync(name, runId, cancellationToken))
        {
            last = run;
        }
        return last!;
    }

    /// <inheritdoc />
    public Task CancelRunAsync(string name, string runId, CancellationToken cancellationToken = default) =>
        Call(async () =>
        {
            var pipeline = Pipeline(name);
            var run = await pipeline.GetRunAsync(runId) ?? throw NoRun(name, runId);
            if (!run.Status.IsFinished())
            {
                await pipeline.CancelRunAsync(runId);
            }
            return true;
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<ConnectorCheck>> CheckPipelineAsync(string name, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).CheckAsync());

    /// <inheritdoc />
    public Task<IReadOnlyList<Contracts.StreamSchema>> DiscoverStreamsAsync(string name, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).DiscoverAsync());

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamStatus>> GetStreamsAsync(string name, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).GetStreamsAsync());

    /// <inheritdoc />
    public Task<StreamStatus> ResetStreamAsync(string name, string stream, CancellationToken cancellationToken = default) =>
        Call(() => Pipeline(name).ResetStreamAsync(stream));

    /// <summary>The problem an exception of the cluster stands for, as the API answers it; null for one that is not the caller's to act on.</summary>
    public static RapidbyteProblem? ProblemOf(Exception exception) => exception switch
    {
        PipelineNotFoundException e => new RapidbyteProblem(404, "pipeline not found", e.Message),
        KeyNotFoundException e => new RapidbyteProblem(404, "not found", e.Message),
        PipelineBusyException e => new RapidbyteProblem(409, "a run of this pipeline is going", e.Message, RunId: e.RunId),
        // The detail is the message's first line; the problems, one each, are in errors.
        PipelineRejectedException e => new RapidbyteProblem(400, "the pipeline was refused", e.Message.Split(Environment.NewLine)[0], e.Problems),
        ArgumentException e => new RapidbyteProblem(400, "bad request", e.Message),
        ConnectorFailedException e => new RapidbyteProblem(502, "the connector failed", e.Message),
        _ when IsSiloLoss(exception) => new RapidbyteProblem(503, "the cluster is taking up a lost silo's work", "try again in a few seconds"),
        _ => null,
    };

    private IPipelineGrain Pipeline(string name) => grains.GetGrain<IPipelineGrain>(name);

    // The cluster's refusals as the API's exceptions; anything else as it is.
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (ProblemOf(e) is { } problem)
        {
            throw RapidbyteApiException.For(problem);
        }
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException;

    private static KeyNotFoundException NoRun(string name, string runId) => new($"pipeline {name} has no run {runId} (it keeps its latest runs)");
}
