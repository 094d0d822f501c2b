namespace Rapidbyte.Grains.State;

/// <summary>The grain storage provider grains keep their state in (<c>[PersistentState(..., StateStorage.Name)]</c>).</summary>
public static class StateStorage
{
    public const string Name = "rapidbyte";
}
