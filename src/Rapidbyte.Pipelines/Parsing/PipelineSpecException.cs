namespace Rapidbyte.Pipelines.Parsing;

/// <summary>A pipeline file is invalid; <see cref="Errors"/> holds every problem found, not just the first.</summary>
public sealed class PipelineSpecException(IReadOnlyList<SpecError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}
