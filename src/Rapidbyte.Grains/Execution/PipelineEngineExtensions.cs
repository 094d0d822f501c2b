using Microsoft.Extensions.DependencyInjection;

namespace Rapidbyte.Grains.Execution;

public static class PipelineEngineExtensions
{
    /// <summary>Lets the silo run pipelines: registers the <see cref="PipelineEngine"/> the grains use.</summary>
    public static ISiloBuilder AddPipelineEngine(this ISiloBuilder silo, PipelineEngineOptions options)
    {
        silo.Services.AddSingleton(options);
        silo.Services.AddSingleton<PipelineEngine>();
        return silo;
    }
}
