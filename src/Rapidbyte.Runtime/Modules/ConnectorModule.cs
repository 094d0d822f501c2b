namespace Rapidbyte.Runtime.Modules;

/// <summary>
/// A connector module compiled and checked against the contract, ready to instantiate any
/// number of times. Shared by every instance of the same digest in the process.
/// </summary>
public sealed record ConnectorModule
{
    internal ConnectorModule(string name, string sha256, Wasmtime.Module module, ModuleSource source)
    {
        Name = name;
        Sha256 = sha256;
        Module = module;
        Source = source;
    }

    /// <summary>The connector's name (its file name, or what the registry calls it).</summary>
    public string Name { get; }

    /// <summary>Hex SHA-256 of the module's bytes.</summary>
    public string Sha256 { get; }

    /// <summary>Where the compiled code came from this time.</summary>
    public ModuleSource Source { get; }

    /// <summary>How long loading took (compile, or cache read).</summary>
    public TimeSpan LoadTime { get; init; }

    internal Wasmtime.Module Module { get; }
}
