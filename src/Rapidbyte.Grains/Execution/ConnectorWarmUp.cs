using Microsoft.Extensions.Logging;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains.Execution;

/// <summary>
/// What a long-lived silo does before it says it is ready: fetches and compiles every module
/// its registered pipelines are pinned to, and the directory's bundled modules, so that no
/// run's first batch waits for a download or a compiler. A failed attempt (the registry away)
/// is tried again when asked after <see cref="RetryAfter"/>; what it failed on is the reason
/// the silo gives for not being ready.
/// </summary>
public sealed partial class ConnectorWarmUp(PipelineEngine engine, IGrainFactory grains, ILogger<ConnectorWarmUp> logger)
{
    /// <summary>How long a failed warm-up stands before the next request starts another.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private Task<IReadOnlyList<string>>? _current;
    private DateTimeOffset _failedAt;

    /// <summary>The latest attempt, or null before the first (which waits for the silo to have started: it asks the pipelines' grains).</summary>
    public Task<IReadOnlyList<string>>? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>The modules prepared (<c>name version (sha256:…)</c>, the bundled ones by name), or why not: started on the first call.</summary>
    public Task<IReadOnlyList<string>> PrepareAsync()
    {
        lock (_gate)
        {
            if (_current is null || (_current.IsFaulted && DateTimeOffset.UtcNow - _failedAt >= RetryAfter))
            {
                _current = Task.Run(RunAsync);
                _current.ContinueWith(_ => { lock (_gate) { _failedAt = DateTimeOffset.UtcNow; } }, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            return _current;
        }
    }

    private async Task<IReadOnlyList<string>> RunAsync()
    {
        var prepared = new List<string>(await engine.PrepareConnectorsAsync());
        var pinned = new Dictionary<string, ConnectorPin>(StringComparer.Ordinal);
        foreach (var name in await grains.GetGrain<IPipelineCatalogGrain>(IPipelineCatalogGrain.Key).ListAsync())
        {
            if (await grains.GetGrain<IPipelineGrain>(name).GetRegistrationAsync() is { Connectors: { } pins })
            {
                foreach (var pin in pins)
                {
                    pinned.TryAdd(pin.Digest, pin);
                }
            }
        }
        foreach (var pin in pinned.Values)
        {
            try
            {
                await engine.Connectors.LoadAsync(pin.Pinned);
            }
            catch (Exception e)
            {
                // The message says it all (the registry, what failed); the stack would bury it.
                LogNotPrepared(logger, pin.Name, pin.Version, pin.Digest, e.Message);
                throw new InvalidOperationException($"connector {pin.Name} {pin.Version} (sha256:{pin.Digest}), which registered pipelines run, could not be prepared: {e.Message}", e);
            }
            prepared.Add($"{pin.Name} {pin.Version} (sha256:{pin.Digest[..12]})");
        }
        return prepared;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "connector {Connector} {Version} (sha256:{Digest}) could not be prepared; the silo is not ready until it is: {Reason}")]
    private static partial void LogNotPrepared(ILogger logger, string connector, string version, string digest, string reason);
}
