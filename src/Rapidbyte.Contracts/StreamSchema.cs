namespace Rapidbyte.Contracts;

/// <summary>A stream (table) the source can read, as <c>discover</c> reports it.</summary>
public sealed record StreamSchema(string Name, IReadOnlyList<ColumnSchema> Columns, IReadOnlyList<string> PrimaryKey);
