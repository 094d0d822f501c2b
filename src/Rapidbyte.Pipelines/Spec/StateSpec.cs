namespace Rapidbyte.Pipelines.Spec;

/// <summary>Where cursors and run history live.</summary>
/// <param name="Backend">The kind of store.</param>
/// <param name="Connection">
/// For <see cref="StateBackend.Postgres"/> a connection string (null: the destination
/// database, in a schema of its own); for <see cref="StateBackend.Sqlite"/> the database
/// file's path (null: a file in the user's data directory).
/// </param>
public sealed record StateSpec(StateBackend Backend, string? Connection)
{
    public StateSpec(string? connection)
        : this(StateBackend.Postgres, connection)
    {
    }
}

/// <summary>The store a pipeline's state is kept in (<c>state.backend</c>).</summary>
public enum StateBackend
{
    /// <summary>A PostgreSQL database: the one store a cluster of silos can share.</summary>
    Postgres,

    /// <summary>A local SQLite file: zero set-up for the CLI on one machine; refused by a clustered silo.</summary>
    Sqlite,
}
