namespace Rapidbyte.Contracts;

/// <summary>Which commit marker a destination keeps (wit <c>marker-key</c>).</summary>
/// <param name="Stream">The stream's key in the cluster (pipeline and stream name).</param>
/// <param name="Run">The run writing it.</param>
public sealed record MarkerKey(string Stream, string Run);
