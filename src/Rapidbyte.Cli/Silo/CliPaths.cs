using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Cli.Silo;

/// <summary>Where the tool finds its connectors and keeps compiled code.</summary>
public static class CliPaths
{
    /// <summary><c>RAPIDBYTE_CONNECTORS_DIR</c> if set, else the connectors bundled next to the tool.</summary>
    public static string ConnectorsDirectory =>
        Environment.GetEnvironmentVariable("RAPIDBYTE_CONNECTORS_DIR") is { Length: > 0 } custom
            ? custom
            : PipelineEngineOptions.BundledConnectorsDirectory;

    /// <summary>Compiled connector code, kept between runs so a run starts without compiling.</summary>
    public static string CompiledCacheDirectory => PipelineEngineOptions.DefaultCompiledCacheDirectory;
}
