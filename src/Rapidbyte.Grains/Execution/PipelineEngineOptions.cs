namespace Rapidbyte.Grains.Execution;

/// <summary>How a silo runs pipelines (settings <c>Rapidbyte:Engine:*</c>).</summary>
public sealed class PipelineEngineOptions
{
    /// <summary>The connector modules shipped next to the program (<c>connectors/</c>): a host's default.</summary>
    public static string BundledConnectorsDirectory => Path.Combine(AppContext.BaseDirectory, "connectors");

    /// <summary>
    /// Where compiled connector code is kept between processes unless told otherwise:
    /// <c>$XDG_CACHE_HOME/rapidbyte/compiled</c>, else <c>~/.cache/rapidbyte/compiled</c>.
    /// </summary>
    public static string DefaultCompiledCacheDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "rapidbyte", "compiled");
        }
    }

    /// <summary>Where connector modules (<c>source_postgres.wasm</c>, ...) are found. Required.</summary>
    public string ConnectorsDirectory { get; set; } = "";

    /// <summary>Where compiled connector code is cached between processes; unset keeps it in memory only.</summary>
    public string? CompiledCacheDirectory { get; set; }

    /// <summary>Attempts after the first for a stream that fails with a retryable error.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles each time, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a running stream's progress goes unrefreshed in its pipeline's snapshot. A
    /// stream's end is seen at once whatever this is (the pipeline waits on it, it does not
    /// poll), so this only trades the freshness of the numbers for wake-ups while a slow
    /// source keeps a run waiting.
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a run's owner (a silo, or a CLI's process) may go without renewing its claim
    /// on the run (it renews four times as often) before another takes the run over. Longer
    /// survives longer pauses of the owner; shorter takes a lost run up sooner.
    /// </summary>
    public TimeSpan RunLeaseTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How often a reminder looks for a pipeline's run whose owner is gone (the backstop when
    /// no stream wakes the pipeline first, e.g. all of them were on the lost silo).
    /// </summary>
    public TimeSpan RunCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The environment variables of the silo a pipeline may read for its <c>${NAME}</c>
    /// references (a registered pipeline's runs, and a run taken up on a silo other than the
    /// one it was started on): only names starting with this prefix, so a pipeline cannot read
    /// the silo's other settings. A registered pipeline naming any other variable is refused.
    /// </summary>
    public string VariablePrefix { get; set; } = "RAPIDBYTE_";

    /// <summary>
    /// How often the reminder of a scheduled pipeline ticks. Occurrences are fired by a timer
    /// at their time; the reminder keeps the pipeline's grain active and, after a silo is
    /// lost or the cluster was down, activates it again to catch up (within one interval).
    /// </summary>
    public TimeSpan ScheduleCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether this silo fires registered pipelines' schedules, with its reminders in the state
    /// database (the cluster's, shared by every silo of the service). A one-shot process that
    /// embeds a silo (the CLI's) sets it false: its reminders then live in its memory, so it
    /// never ticks the cluster's reminders nor starts a scheduled run that would die with it.
    /// </summary>
    public bool FireSchedules { get; set; } = true;

    /// <summary>Finished (and skipped) runs a pipeline keeps in its history.</summary>
    public int RunHistoryLength { get; set; } = 50;

    /// <summary>The Blob registry modules are published to, taken before the directory (<c>Rapidbyte:Engine:Registry:*</c>).</summary>
    public ConnectorRegistryOptions Registry { get; set; } = new();
}
