namespace Rapidbyte.Testing;

/// <summary>Where the repository and its build outputs are, seen from a test run.</summary>
public static class RepositoryPaths
{
    /// <summary>The checkout's root (the folder holding Rapidbyte.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The built connector modules: <c>RAPIDBYTE_CONNECTORS_DIR</c> if set, else the wasm
    /// build output of <c>scripts/build-connectors.sh</c>.
    /// </summary>
    public static string ConnectorsDirectory =>
        Environment.GetEnvironmentVariable("RAPIDBYTE_CONNECTORS_DIR")
        ?? Path.Combine(Root, "connectors", "target", "wasm32-wasi", "release");

    /// <summary>The path of a built connector module.</summary>
    /// <exception cref="FileNotFoundException">It was not built: run scripts/build-connectors.sh.</exception>
    public static string Connector(string crateName)
    {
        var path = Path.Combine(ConnectorsDirectory, crateName.Replace('-', '_') + ".wasm");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"connector module {path} is missing: run scripts/build-connectors.sh", path);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Rapidbyte.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Rapidbyte.sln above {AppContext.BaseDirectory}");
    }
}
