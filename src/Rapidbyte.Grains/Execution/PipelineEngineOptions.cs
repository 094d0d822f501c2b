namespace Rapidbyte.Grains.Execution;

/// <summary>How a silo runs pipelines.</summary>
public sealed record PipelineEngineOptions
{
    /// <summary>Where connector modules (<c>source_postgres.wasm</c>, ...) are found.</summary>
    public required string ConnectorsDirectory { get; init; }

    /// <summary>Where compiled connector code is cached between processes; null keeps it in memory only.</summary>
    public string? CompiledCacheDirectory { get; init; }

    /// <summary>Attempts after the first for a stream that fails with a retryable error.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The wait before the first retry; it doubles each time, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a running stream's progress goes unrefreshed in its pipeline's snapshot. A
    /// stream's end is seen at once whatever this is (the pipeline waits on it, it does not
    /// poll), so this only trades the freshness of the numbers for wake-ups while a slow
    /// source keeps a run waiting.
    /// </summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
