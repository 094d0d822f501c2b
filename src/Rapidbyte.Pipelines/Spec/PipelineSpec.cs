namespace Rapidbyte.Pipelines.Spec;

/// <summary>A validated pipeline: what to read, where to write it, when, and within what limits.</summary>
/// <param name="Name">The pipeline's name; also the key of its PipelineGrain.</param>
public sealed record PipelineSpec(
    string Version,
    string Name,
    SourceSpec Source,
    DestinationSpec Destination,
    StateSpec State,
    ScheduleSpec? Schedule,
    ResourceSpec Resources,
    NetworkSpec Network);
