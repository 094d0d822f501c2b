namespace Rapidbyte.Grains.Composition;

/// <summary>
/// Makes the state schema ready before anything in the silo reads or writes it: membership,
/// grain storage and reminders all start after Orleans' first lifecycle stage.
/// </summary>
internal sealed class StateSchemaParticipant(StateStore store) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StateSchemaParticipant), ServiceLifecycleStage.First, store.EnsureSchemaAsync);
}
