namespace Rapidbyte.Runtime.Timers;

/// <summary>A one-shot timer a connector started (wit: <c>timer-start</c>); it holds no thread.</summary>
internal sealed class HostTimer : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    public HostTimer(TimeSpan delay) =>
        Due = Task.Delay(delay, TimeProvider.System, _cancel.Token).ContinueWith(
            static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>Completes when the timer is due (or cancelled: then the handle is gone anyway).</summary>
    public Task Due { get; }

    public void Dispose()
    {
        _cancel.Cancel();
        _cancel.Dispose();
    }
}
