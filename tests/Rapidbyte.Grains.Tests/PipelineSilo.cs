using Microsoft.Extensions.DependencyInjection;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing;

namespace Rapidbyte.Grains.Tests;

/// <summary>A real silo that runs pipelines: the built connectors, grain state in the given database.</summary>
internal sealed class PipelineSilo : IAsyncDisposable
{
    private readonly RunningSilo _silo;

    private PipelineSilo(RunningSilo silo) => _silo = silo;

    public IGrainFactory Grains => _silo.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _silo.Services;

    /// <param name="progressInterval">How long the pipeline grain waits on a running stream between refreshes (default 50 ms).</param>
    /// <param name="logs">Given, every log line of the silo is captured in it.</param>
    /// <param name="silo">Anything a test adds beyond Rapidbyte's own composition.</param>
    /// <param name="settings">More configuration entries, for settings a host adds.</param>
    public static async Task<PipelineSilo> StartAsync(string stateConnection, int maxRetries = 0, TimeSpan? progressInterval = null, CapturedLogs? logs = null,
        Action<ISiloBuilder>? silo = null, IEnumerable<KeyValuePair<string, string?>>? settings = null) =>
        new(await RunningSilo.StartAsync(stateConnection, options => options.Engine = new PipelineEngineOptions
        {
            ConnectorsDirectory = RepositoryPaths.ConnectorsDirectory,
            MaxRetries = maxRetries,
            RetryDelay = TimeSpan.FromMilliseconds(200),
            ProgressInterval = progressInterval ?? TimeSpan.FromMilliseconds(50),
            // Schedules with seconds in the tests: their reminders tick every 2 s.
            ScheduleCheckInterval = TimeSpan.FromSeconds(2),
        }, silo, logs, settings));

    /// <summary>Starts a run of <paramref name="yaml"/>.</summary>
    public Task<PipelineRunReport> StartAsync(string yaml, params string[] streams)
    {
        var definition = new PipelineDefinition(yaml, "pipeline.yaml", new Dictionary<string, string>());
        return Grains.GetGrain<IPipelineGrain>(definition.Parse().Name).StartRunAsync(definition, streams);
    }

    /// <summary>Waits for the run to finish and returns its outcome.</summary>
    public async Task<PipelineRunReport> FinishAsync(PipelineRunReport started, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        var grain = Grains.GetGrain<IPipelineGrain>(started.Pipeline);
        while (true)
        {
            var run = await grain.WaitForRunAsync(started.RunId, TimeSpan.FromSeconds(1)) ?? throw new InvalidOperationException("the run vanished");
            if (run.Status.IsFinished())
            {
                return run;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"run {started.RunId} still {run.Status} after the timeout");
            }
        }
    }

    public async Task<PipelineRunReport> RunAsync(string yaml, params string[] streams) => await FinishAsync(await StartAsync(yaml, streams));

    public Task<StreamState> StreamStateAsync(string pipeline, string stream) =>
        Grains.GetGrain<IStreamGrain>(StreamKey.Of(pipeline, stream)).GetStateAsync();

    public ValueTask DisposeAsync() => _silo.DisposeAsync();
}
