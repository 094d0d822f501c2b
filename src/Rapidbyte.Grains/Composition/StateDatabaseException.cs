namespace Rapidbyte.Grains.Composition;

/// <summary>The state database could not be reached or used when the silo started.</summary>
public sealed class StateDatabaseException(string message, Exception innerException) : Exception(message, innerException);
