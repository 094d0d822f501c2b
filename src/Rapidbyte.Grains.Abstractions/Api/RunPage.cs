using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains.Api;

/// <summary>One page of a pipeline's runs: the run going (if any) first, then finished and skipped ones, newest first.</summary>
/// <param name="Runs">The runs of this page.</param>
/// <param name="Next">The run id to ask for the page after this one with (<c>after</c>); null on the last page.</param>
public sealed record RunPage(IReadOnlyList<PipelineRunReport> Runs, string? Next);
