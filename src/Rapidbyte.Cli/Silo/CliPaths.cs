namespace Rapidbyte.Cli.Silo;

/// <summary>Where the tool finds its connectors and keeps compiled code.</summary>
public static class CliPaths
{
    /// <summary><c>RAPIDBYTE_CONNECTORS_DIR</c> if set, else the connectors bundled next to the tool.</summary>
    public static string ConnectorsDirectory =>
        Environment.GetEnvironmentVariable("RAPIDBYTE_CONNECTORS_DIR") is { Length: > 0 } custom
            ? custom
            : Path.Combine(AppContext.BaseDirectory, "connectors");

    /// <summary>
    /// Compiled connector code, kept between runs so a run starts without compiling:
    /// <c>$XDG_CACHE_HOME/rapidbyte/compiled</c>, else <c>~/.cache/rapidbyte/compiled</c>.
    /// </summary>
    public static string CompiledCacheDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "rapidbyte", "compiled");
        }
    }
}
