using System.Collections.Concurrent;

namespace Rapidbyte.Runtime.State;

/// <summary>Connector state held in memory; the engine snapshots it to persist it.</summary>
public sealed class InMemoryConnectorStateStore : IConnectorStateStore
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    public bool TryGet(string key, out byte[] value) => _values.TryGetValue(key, out value!);

    public void Put(string key, ReadOnlySpan<byte> value) => _values[key] = value.ToArray();

    /// <summary>A copy of every key and value, for persisting or inspecting.</summary>
    public IReadOnlyDictionary<string, byte[]> Snapshot() => new Dictionary<string, byte[]>(_values, StringComparer.Ordinal);
}
