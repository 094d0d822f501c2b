namespace Rapidbyte.Runtime.State;

/// <summary>
/// Key-value state a connector keeps between runs (wit: <c>state-get</c>/<c>state-put</c>).
/// Calls come from inside a guest slice, so they are synchronous and must not do I/O: the
/// engine persists the store's contents itself, after the destination committed.
/// </summary>
public interface IConnectorStateStore
{
    /// <summary>The value stored under <paramref name="key"/>, if any.</summary>
    bool TryGet(string key, out byte[] value);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>.</summary>
    void Put(string key, ReadOnlySpan<byte> value);
}
