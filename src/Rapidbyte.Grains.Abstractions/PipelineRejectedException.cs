namespace Rapidbyte.Grains;

/// <summary>
/// A pipeline was refused at registration (its YAML is invalid, holds a literal secret, or
/// names a variable the silo may not read), or a definition handed over to run is invalid. <see cref="Problems"/> lists each problem (with
/// its file:line:column where it has one); none quotes a secret.
/// </summary>
[GenerateSerializer, Alias("rapidbyte.pipeline-rejected")]
public sealed class PipelineRejectedException : Exception
{
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="problems">Each problem, one line each.</param>
    /// <param name="refused">What was refused: <c>registered</c>, <c>run</c>.</param>
    public PipelineRejectedException(string pipeline, IReadOnlyList<string> problems, string refused = "registered")
        : base($"pipeline {pipeline} was not {refused}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
    {
        Problems = problems.ToList();
    }

    /// <summary>Each problem, one line each.</summary>
    [Id(0)]
    public List<string> Problems { get; } = [];
}
