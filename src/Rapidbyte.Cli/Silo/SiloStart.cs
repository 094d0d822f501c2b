namespace Rapidbyte.Cli.Silo;

/// <summary>
/// An embedded silo starting (<see cref="EmbeddedSilo.Begin"/>) while its caller does other
/// work. The caller takes it, or abandons it: then the start is cut short, the silo stopped if
/// it got that far, and none of it is logged, since the caller has said what went wrong.
/// </summary>
internal sealed class SiloStart : IAsyncDisposable
{
    private readonly SiloLogs _logs;
    private readonly CancellationTokenSource _abandon;
    private readonly Task<(EmbeddedSilo? Silo, string? Failure)> _started;
    private bool _taken;

    /// <param name="logs">What the silo's logs say.</param>
    /// <param name="start">Starts the silo with <paramref name="logs"/>, cut short by its token.</param>
    public SiloStart(SiloLogs logs, Func<SiloLogs, CancellationToken, Task<(EmbeddedSilo? Silo, string? Failure)>> start, CancellationToken cancellationToken)
    {
        _logs = logs;
        _abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _started = start(logs, _abandon.Token);
    }

    /// <summary>
    /// The silo once started; or none and why, when the state database cannot be used.
    /// </summary>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled first.</exception>
    public async Task<(EmbeddedSilo? Silo, string? Failure)> TakeAsync()
    {
        _taken = true;
        return await _started;
    }

    /// <summary>Abandons the start unless it was taken.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_taken)
        {
            _logs.Abandon();
            await _abandon.CancelAsync();
            await ((Task)_started).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_started.IsCompletedSuccessfully && _started.Result.Silo is { } silo)
            {
                await silo.DisposeAsync();
            }
        }
        _abandon.Dispose();
    }
}
