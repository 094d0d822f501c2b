namespace Rapidbyte.Contracts;

/// <summary>What <c>read</c> and <c>write</c> report when they finish.</summary>
public sealed record StreamSummary(long Rows, long Bytes, long Batches);
