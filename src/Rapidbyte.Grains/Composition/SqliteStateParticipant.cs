using Microsoft.Extensions.Options;
using Rapidbyte.Grains.State;

namespace Rapidbyte.Grains.Composition;

/// <summary>Makes the SQLite state file ready before grain storage is used (the PostgreSQL store's <see cref="StateSchemaParticipant"/>).</summary>
internal sealed class SqliteStateParticipant(IOptions<RapidbyteOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteStateParticipant), ServiceLifecycleStage.First, async cancellationToken =>
        {
            try
            {
                await SqliteGrainStorage.EnsureAsync(options.Value.State.ConnectionString, cancellationToken);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new StateDatabaseException($"the SQLite state file {options.Value.State.ConnectionString} cannot be used: {e.Message}", e);
            }
        });
}
