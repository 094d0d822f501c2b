using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Modules;

namespace Rapidbyte.Engine.Connectors;

/// <summary>
/// Finds the connector a pipeline names (<c>use: source-postgres</c>) in a directory of
/// modules (<c>source_postgres.wasm</c> or <c>source-postgres.wasm</c>) and loads it through
/// the runtime, which compiles each module once per process.
/// </summary>
public sealed class ConnectorRegistry(ConnectorRuntime runtime, string directory)
{
    /// <summary>The directory modules are looked up in.</summary>
    public string Directory { get; } = directory;

    /// <exception cref="ConnectorNotFoundException">No module of that name is in <see cref="Directory"/>.</exception>
    public ConnectorModule Load(string name)
    {
        foreach (var candidate in new[] { name.Replace('-', '_'), name })
        {
            var path = Path.Combine(Directory, candidate + ".wasm");
            if (File.Exists(path))
            {
                return runtime.LoadModule(name, File.ReadAllBytes(path));
            }
        }
        throw new ConnectorNotFoundException(name, Directory, Available());
    }

    /// <summary>Connector names present, for messages.</summary>
    public IReadOnlyList<string> Available() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.wasm").Select(p => Path.GetFileNameWithoutExtension(p).Replace('_', '-')).Order().ToList()
            : [];
}
