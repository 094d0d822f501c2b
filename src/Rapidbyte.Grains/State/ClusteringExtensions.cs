using Npgsql;

namespace Rapidbyte.Grains.State;

/// <summary>Wires Orleans cluster membership to PostgreSQL through <see cref="StateSchema"/>'s tables.</summary>
public static class ClusteringExtensions
{
    /// <summary>
    /// Silos find each other through the membership tables in PostgreSQL via
    /// <paramref name="dataSource"/>, so a cluster needs no infrastructure beyond the database it
    /// already uses. Silos still have to advertise an address the others can reach (loopback
    /// for local runs): ADO.NET clustering publishes whatever the endpoint options say.
    /// </summary>
    public static ISiloBuilder UseRapidbyteClustering(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = "Npgsql";
            options.DataSource = dataSource;
        });
        return silo;
    }
}
