namespace Rapidbyte.Pipelines.Parsing;

/// <summary>One problem in a pipeline file, located the way an editor jumps to it.</summary>
/// <param name="Path">The key path, e.g. <c>destination.write_mode</c> or <c>source.streams[1].name</c>.</param>
public sealed record SpecError(string File, long Line, long Column, string Path, string Message)
{
    public override string ToString() => Path.Length == 0
        ? $"{File}:{Line}:{Column} {Message}"
        : $"{File}:{Line}:{Column} {Path}: {Message}";
}
