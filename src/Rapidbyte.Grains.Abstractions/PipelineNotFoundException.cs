namespace Rapidbyte.Grains;

/// <summary>An operation needs a registered pipeline, and none is registered under that name.</summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-not-found")]
public sealed class PipelineNotFoundException : Exception
{
    public PipelineNotFoundException(string pipeline)
        : base($"no pipeline named {pipeline} is registered")
    {
        Pipeline = pipeline;
    }

    [Id(0)]
    public string Pipeline { get; } = "";
}
