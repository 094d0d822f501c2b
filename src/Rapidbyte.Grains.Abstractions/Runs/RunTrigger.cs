namespace Rapidbyte.Grains.Runs;

/// <summary>What started a run.</summary>
[GenerateSerializer, Alias("rapidbyte.run-trigger")]
public enum RunTrigger
{
    /// <summary>A caller handed over the pipeline's definition (the CLI running a file).</summary>
    Direct,

    /// <summary>A registered pipeline, run on request.</summary>
    Manual,

    /// <summary>A registered pipeline's schedule.</summary>
    Schedule,
}
