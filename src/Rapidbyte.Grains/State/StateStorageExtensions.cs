using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;

namespace Rapidbyte.Grains.State;

/// <summary>Wires Orleans grain storage to PostgreSQL through <see cref="StateSchema"/>'s tables.</summary>
public static class StateStorageExtensions
{
    /// <summary>The grain storage provider name grains use (<c>[PersistentState(..., StorageName)]</c>).</summary>
    public const string StorageName = "rapidbyte";

    /// <summary>
    /// Grain state in PostgreSQL via <paramref name="dataSource"/>. State is written with the
    /// Orleans serializer (field ids and type aliases, no .NET type names), so renaming a class
    /// does not orphan stored state.
    /// </summary>
    public static ISiloBuilder AddRapidbyteStateStorage(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        silo.AddAdoNetGrainStorage(StorageName, options => options.Configure<Serializer>((o, serializer) =>
        {
            o.Invariant = "Npgsql";
            o.DataSource = dataSource;
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        return silo;
    }
}
