using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.Composition;

/// <summary>Where the silo keeps cluster membership, grain state and reminders (settings <c>Rapidbyte:State:*</c>).</summary>
public sealed class StateOptions
{
    /// <summary>
    /// The kind of store: <see cref="StateBackend.Postgres"/> (the one a cluster can share), or
    /// <see cref="StateBackend.Sqlite"/>, a local file for a single local silo (the CLI's).
    /// </summary>
    public StateBackend Backend { get; set; } = StateBackend.Postgres;

    /// <summary>An Npgsql connection string of the state database; for <see cref="StateBackend.Sqlite"/> the file's path. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The schema the state tables live in; created at start if missing.</summary>
    public string Schema { get; set; } = State.StateSchema.DefaultSchema;
}
