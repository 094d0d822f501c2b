namespace Rapidbyte.Grains;

/// <summary>
/// A pipeline was refused at registration: its YAML is invalid, holds a literal secret, or
/// names a variable the silo may not read. <see cref="Problems"/> lists each problem (with
/// its file:line:column where it has one); none quotes a secret.
/// </summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-rejected")]
public sealed class PipelineRejectedException : Exception
{
    public PipelineRejectedException(string pipeline, IReadOnlyList<string> problems)
        : base($"pipeline {pipeline} was not registered:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
    {
        Problems = problems.ToList();
    }

    /// <summary>Each problem, one line each.</summary>
    [Id(0)]
    public List<string> Problems { get; } = [];
}
