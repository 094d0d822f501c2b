namespace Rapidbyte.Contracts;

/// <summary>Bounds on one Arrow batch: the memory a stream holds grows with these, not with the table.</summary>
public sealed record BatchLimits(int MaxBatchRows = 10_000, long MaxBatchBytes = 8 * 1024 * 1024);
