namespace Rapidbyte.Runtime.Modules;

/// <summary>Where a module's compiled code came from.</summary>
public enum ModuleSource
{
    /// <summary>Compiled now with Cranelift (the slow path, once per digest).</summary>
    Compiled,
    /// <summary>Deserialized from the on-disk compiled-code cache.</summary>
    DiskCache,
    /// <summary>Already loaded in this process.</summary>
    MemoryCache,
}
