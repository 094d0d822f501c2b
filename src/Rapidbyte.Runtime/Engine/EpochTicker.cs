namespace Rapidbyte.Runtime.Engine;

/// <summary>
/// Advances the engine's epoch on a timer. Epoch interruption is how a slice that never
/// returns (an endless loop) is stopped: cheaper than fuel, and one timer serves every
/// instance of the engine.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    private readonly Timer _timer;

    public EpochTicker(Wasmtime.Engine engine, TimeSpan interval) =>
        _timer = new Timer(static state => ((Wasmtime.Engine)state!).IncrementEpoch(), engine, interval, interval);

    public void Dispose() => _timer.Dispose();
}
