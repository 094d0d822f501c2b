namespace Rapidbyte.Contracts;

/// <summary>One column of a discovered stream.</summary>
/// <param name="NativeType">The type in the source system's own words, e.g. <c>numeric(12,2)</c>.</param>
/// <param name="ArrowType">The Arrow type the column is read as, e.g. <c>decimal128(12,2)</c>.</param>
/// <param name="NativeEncoding">
/// The native encoding the column travels in when the stream is read with one (a destination that takes it,
/// e.g. <c>postgresql-binary</c> between PostgreSQL databases); null: the Arrow mapping even then.
/// </param>
public sealed record ColumnSchema(string Name, string NativeType, string ArrowType, bool Nullable, string? NativeEncoding = null);
