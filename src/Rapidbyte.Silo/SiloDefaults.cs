using Rapidbyte.Grains.Composition;
using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Silo;

/// <summary>What the service assumes for settings its operator leaves unset.</summary>
internal static class SiloDefaults
{
    /// <summary>
    /// The connectors shipped with the silo and a compiled-code cache on its disk, unless
    /// <c>Rapidbyte:Engine:ConnectorsDirectory</c> / <c>CompiledCacheDirectory</c> say otherwise.
    /// </summary>
    public static IServiceCollection AddSiloDefaults(this IServiceCollection services) =>
        services.PostConfigure<RapidbyteOptions>(options =>
        {
            if (string.IsNullOrWhiteSpace(options.Engine.ConnectorsDirectory))
            {
                options.Engine.ConnectorsDirectory = PipelineEngineOptions.BundledConnectorsDirectory;
            }
            options.Engine.CompiledCacheDirectory ??= PipelineEngineOptions.DefaultCompiledCacheDirectory;
        });
}
