using Npgsql;

namespace Rapidbyte.Grains.State;

/// <summary>Wires Orleans reminders to PostgreSQL through <see cref="StateSchema"/>'s tables.</summary>
public static class ReminderExtensions
{
    /// <summary>
    /// Reminders in PostgreSQL via <paramref name="dataSource"/>, next to grain state, so that a
    /// schedule survives every silo stopping; the reminders table lives in the data source's
    /// search-path schema.
    /// </summary>
    public static ISiloBuilder AddRapidbyteReminders(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = "Npgsql";
            options.DataSource = dataSource;
        });
        return silo;
    }
}
