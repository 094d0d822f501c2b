namespace Rapidbyte.Grains.Composition;

/// <summary>Where the silo keeps cluster membership, grain state and reminders (settings <c>Rapidbyte:State:*</c>).</summary>
public sealed class StateOptions
{
    /// <summary>An Npgsql connection string of the state database. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The schema the state tables live in; created at start if missing.</summary>
    public string Schema { get; set; } = State.StateSchema.DefaultSchema;
}
